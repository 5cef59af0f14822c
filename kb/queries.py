"""Reading practices: every read goes through the visibility rule in `kb.visibility`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, get_args

from sqlalchemy import case, exists
from sqlmodel import Session, col, select

from kb.db import in_chunks
from kb.errors import NotAllowed, NotFound, Problem
from kb.models import Attribution, Authorisation, Practice, PracticeTag
from kb.practices import tags_by_vocabulary
from kb.viewer import Viewer
from kb.visibility import host_shown_to, in_force, visible_to
from kb.vocabulary import TAG_VOCABULARIES, Vocabulary

NOT_FOUND = "practice not found"
Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = get_args(Sort)
CHOICE_FACETS = ("kind", *TAG_VOCABULARIES, "host_state")


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

    @classmethod
    def of_term(cls, vocabulary: str, term: str) -> Filters:
        """Return the filter on one term of a tag vocabulary (narrower terms included)."""
        if vocabulary == "domain":
            return cls(domain=(term,))
        if vocabulary == "sector":
            return cls(sector=(term,))
        if vocabulary == "topic":
            return cls(topic=(term,))
        raise ValueError(f"{vocabulary!r} is not a tag vocabulary")

    def without(self, facet: str) -> Filters:
        """Return these filters with one facet's values dropped (to count that facet's other values)."""
        if facet not in CHOICE_FACETS:
            raise ValueError(f"{facet!r} is not a facet with values to choose")
        return replace(self, **{facet: ()})  # type: ignore[arg-type]  # a choice facet's values are a tuple

    def chosen_facets(self) -> list[str]:
        """Return the facets with at least one value chosen."""
        return [name for name in CHOICE_FACETS if getattr(self, name)]

    def is_empty(self) -> bool:
        return not (self.domain or self.sector or self.topic or self.kind or self.host_state
                    or self.year_from or self.year_to)


def filter_problems(filters: Filters, vocabularies: dict[str, Vocabulary]) -> list[Problem]:
    """Return a problem for each filter value that is not allowed, naming what is allowed."""
    problems: list[Problem] = []
    for name in TAG_VOCABULARIES:
        vocabulary = vocabularies[name]
        for value in getattr(filters, name):
            if value not in vocabulary.terms:
                problems.append(vocabulary.unknown_term(name, value))
    if filters.year_from is not None and filters.year_to is not None and filters.year_from > filters.year_to:
        problems.append(Problem("year_from", f"{filters.year_from} is after year_to {filters.year_to}",
                                filters.year_from))
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
    for name in TAG_VOCABULARIES:
        terms = getattr(filters, name)
        if terms:
            wanted = expand_terms(vocabularies[name], terms)
            statement = statement.where(
                exists(
                    select(PracticeTag.practice_id).where(
                        PracticeTag.practice_id == Practice.id,
                        PracticeTag.vocabulary == name,
                        col(PracticeTag.term).in_(wanted),
                    )
                )
            )
    if filters.kind:
        statement = statement.where(col(Practice.kind).in_(filters.kind))
    if filters.host_state:
        # Filtering by host must not reveal the host of an anonymised practice.
        statement = statement.where(col(Practice.host_state_code).in_(filters.host_state), shown)
    if filters.year_from is not None:
        statement = statement.where(Practice.source_year >= filters.year_from)
    if filters.year_to is not None:
        statement = statement.where(Practice.source_year <= filters.year_to)
    return [(int(pid or 0), bool(flag)) for pid, flag in session.exec(statement)]


def find_visible(session: Session, viewer: Viewer, *, public_id: str) -> tuple[Practice, bool] | None:
    """Return a practice the viewer may see, with whether its host is shown; None when hidden or absent."""
    statement = select(Practice, case((host_shown_to(viewer), True), else_=False)).where(
        Practice.public_id == public_id, visible_to(viewer)
    )
    row = session.exec(statement).first()
    if row is None:
        return None
    practice, shown = row
    return practice, bool(shown)


def find_by_reference(session: Session, viewer: Viewer, *, external_id: str) -> Practice | None:
    """Return a practice by the secretariat's reference, for those entitled to references (host, secretariat).

    Anyone else gets None for every reference, so references cannot be probed to count what is hidden.
    """
    practice = session.exec(select(Practice).where(Practice.external_id == external_id, visible_to(viewer))).first()
    if practice is None:
        return None
    if viewer.is_secretariat or viewer.state_code == practice.host_state_code:
        return practice
    return None


def our_practices(session: Session, viewer: Viewer) -> list[Practice]:
    """Return every practice about the viewer's state, whatever its status."""
    if viewer.state_code is None:
        return []
    statement = (
        select(Practice).where(Practice.host_state_code == viewer.state_code, visible_to(viewer))
        .order_by(col(Practice.status), col(Practice.updated_at).desc(), col(Practice.public_id))
    )
    return list(session.exec(statement))


def hosted_practice(session: Session, viewer: Viewer, practice_id: str) -> Practice:
    """Return a practice the viewer's state hosts, by public id (or its reference, which only the host may use).

    NotFound for what the viewer may not see (or a reference of another host's); NotAllowed for a practice the
    viewer sees but does not host.
    """
    practice = session.exec(select(Practice).where(Practice.public_id == practice_id, visible_to(viewer))).first()
    if practice is None and viewer.state_code is not None:
        practice = session.exec(select(Practice).where(Practice.external_id == practice_id,
                                                       Practice.host_state_code == viewer.state_code)).first()
    if practice is None:
        raise NotFound(NOT_FOUND)
    if viewer.state_code is None or practice.host_state_code != viewer.state_code:
        raise NotAllowed("Only the focal point of the practice's host state decides on sharing it.")
    return practice


def anonymous_in_force(session: Session, practice_ids: Sequence[int] | None = None) -> set[int]:
    """Return which practices (of these, or of all) are shared anonymously by the decision in force."""
    statement = select(Authorisation.practice_id).where(in_force(), Authorisation.attribution == Attribution.anonymous)
    if practice_ids is None:
        return set(session.exec(statement))
    found: set[int] = set()
    for chunk in in_chunks(list(practice_ids)):
        found.update(session.exec(statement.where(col(Authorisation.practice_id).in_(chunk))))
    return found


def tags_by_practice(session: Session, practice_ids: list[int]) -> dict[int, dict[str, list[str]]]:
    """Return the tags of several practices by vocabulary, each list sorted (as `kb.practices.tags_of`)."""
    rows: dict[int, list[tuple[str, str]]] = {pid: [] for pid in practice_ids}
    for chunk in in_chunks(practice_ids):
        for practice_id, vocabulary, term in session.exec(
            select(PracticeTag.practice_id, PracticeTag.vocabulary, PracticeTag.term)
            .where(col(PracticeTag.practice_id).in_(chunk))
        ):
            rows[practice_id].append((vocabulary, term))
    return {pid: tags_by_vocabulary(found) for pid, found in rows.items()}
