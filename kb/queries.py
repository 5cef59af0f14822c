"""Reading practices: every read goes through the visibility rule in `kb.visibility`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, exists
from sqlmodel import Session, select

from kb.models import Practice, PracticeTag
from kb.practices import tags_by_vocabulary
from kb.viewer import Viewer
from kb.visibility import host_shown_to, visible_to
from kb.vocabulary import Vocabulary


@dataclass(frozen=True)
class Filters:
    """What a search or listing is narrowed to; several values in one field mean any of them."""

    domain: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    host_state: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    expanded: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)

    def is_empty(self) -> bool:
        return not (self.domain or self.sector or self.topic or self.kind or self.host_state
                    or self.year_from or self.year_to)

    def key(self) -> tuple[object, ...]:
        return (self.domain, self.sector, self.topic, self.kind, self.host_state, self.year_from, self.year_to)


def filter_problems(filters: Filters, vocabularies: dict[str, Vocabulary]) -> list[tuple[str, object, str]]:
    """Return (field, value, message) for each filter value that is not allowed, naming what is allowed."""
    problems: list[tuple[str, object, str]] = []
    for name in ("domain", "sector", "topic"):
        vocabulary = vocabularies[name]
        for value in getattr(filters, name):
            if value not in vocabulary.terms:
                hint = vocabulary.closest(value)
                suggestion = f"; did you mean '{hint}'?" if hint else ""
                problems.append((name, value, f"{name}: unknown value {value!r}; allowed: "
                                              f"{', '.join(vocabulary.terms)}{suggestion}"))
    if filters.year_from is not None and filters.year_to is not None and filters.year_from > filters.year_to:
        problems.append(("year_from", filters.year_from, f"year_from: {filters.year_from} is after year_to "
                                                         f"{filters.year_to}"))
    return problems


def expand_terms(vocabulary: Vocabulary, terms: tuple[str, ...]) -> list[str]:
    """Include narrower terms, so that filtering by a topic group finds its topics."""
    found: list[str] = []
    for term in terms:
        found.extend(vocabulary.with_descendants(term) if term in vocabulary.terms else [term])
    return found


def visible_rows(
    session: Session, viewer: Viewer, filters: Filters, vocabularies: dict[str, Vocabulary]
) -> list[tuple[int, bool]]:
    """Return (practice id, host shown) for every practice the viewer may see that matches the filters."""
    shown = host_shown_to(viewer)
    statement = select(Practice.id, case((shown, True), else_=False)).where(visible_to(viewer))
    for name in ("domain", "sector", "topic"):
        terms = getattr(filters, name)
        if terms:
            wanted = expand_terms(vocabularies[name], terms)
            statement = statement.where(
                exists(
                    select(PracticeTag.practice_id).where(
                        PracticeTag.practice_id == Practice.id,
                        PracticeTag.vocabulary == name,
                        PracticeTag.term.in_(wanted),  # type: ignore[attr-defined]
                    )
                )
            )
    if filters.kind:
        statement = statement.where(Practice.kind.in_(filters.kind))  # type: ignore[attr-defined]
    if filters.host_state:
        # Filtering by host must not reveal the host of an anonymised practice.
        statement = statement.where(Practice.host_state_code.in_(filters.host_state), shown)  # type: ignore[attr-defined]
    if filters.year_from is not None:
        statement = statement.where(Practice.source_year >= filters.year_from)
    if filters.year_to is not None:
        statement = statement.where(Practice.source_year <= filters.year_to)
    return [(int(pid), bool(flag)) for pid, flag in session.exec(statement)]


def find_visible(session: Session, viewer: Viewer, *, external_id: str) -> tuple[Practice, bool] | None:
    """Return a practice the viewer may see, with whether its host is shown; None when hidden or absent."""
    statement = select(Practice, case((host_shown_to(viewer), True), else_=False)).where(
        Practice.external_id == external_id, visible_to(viewer)
    )
    row = session.exec(statement).first()
    if row is None:
        return None
    practice, shown = row
    return practice, bool(shown)


def tags_by_practice(session: Session, practice_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """Return the tags of several practices by vocabulary, each list sorted (as `kb.practices.tags_of`)."""
    rows: dict[int, list[tuple[str, str]]] = {pid: [] for pid in practice_ids}
    for start in range(0, len(practice_ids), 500):
        chunk = practice_ids[start : start + 500]
        for practice_id, vocabulary, term in session.exec(
            select(PracticeTag.practice_id, PracticeTag.vocabulary, PracticeTag.term)
            .where(PracticeTag.practice_id.in_(chunk))  # type: ignore[attr-defined]
        ):
            rows[practice_id].append((vocabulary, term))
    return {pid: tags_by_vocabulary(found) for pid, found in rows.items()}
