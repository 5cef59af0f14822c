"""The one redacted projection: what one viewer is shown of practices, on every page, fragment, API answer and export.

Where the viewer may not see the host, every text field is read as outsiders read an anonymous entry: every
state's identifying terms replaced (kb.anonymity), the host state and the secretariat's reference left out. Pages,
the API, the CLI and exports render these models, never the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from sqlmodel import Session, col, select

from kb.anonymity import suspects
from kb.authorisations import Decision, decisions_of
from kb.errors import NotFound
from kb.identifying import IdentifyingTerms
from kb.models import Practice
from kb.practices import tags_of
from kb.queries import NOT_FOUND, find_by_reference, find_visible
from kb.schemas import (
    AnonymityPreview,
    AuthorisationPublic,
    FieldPreview,
    PracticePublic,
    PracticeSummaryPublic,
    ReplacementPublic,
    SearchResponse,
    SuspectPublic,
)
from kb.viewer import Viewer
from kb.visibility import sees_as_host
from kb.vocabulary import TAG_VOCABULARIES

Tags = Mapping[str, Sequence[str]]


class Snippet(Protocol):
    """Choose the passage a result shows from the texts the viewer may read (index.snippets provides one)."""

    def __call__(self, *, summary: str, body: str, passage: str) -> str: ...


class RankedHit(Protocol):
    """A search hit as the projection needs it (index.search.Hit is one)."""

    @property
    def practice_id(self) -> int: ...
    @property
    def score(self) -> float: ...
    @property
    def host_shown(self) -> bool: ...
    @property
    def passage(self) -> str: ...


class RankedPage(Protocol):
    """A page of ranked hits with the total and facets (index.search.SearchResult is one)."""

    @property
    def total(self) -> int: ...
    @property
    def hits(self) -> Sequence[RankedHit]: ...
    @property
    def facets(self) -> dict[str, dict[str, int]]: ...


def _tags(tags: Tags) -> dict[str, list[str]]:
    return {name: list(tags.get(name, ())) for name in TAG_VOCABULARIES}


class Projection:
    """What one viewer is shown of practices."""

    def __init__(self, viewer: Viewer, terms: IdentifyingTerms) -> None:
        self.viewer = viewer
        self.terms = terms

    def clean(self, host_shown: bool) -> Callable[[str], str]:
        """Return the text filter for a practice: the text itself, or as outsiders read it."""
        return (lambda text: text) if host_shown else self.terms.redacted

    def summary(self, practice: Practice, tags: Tags, *, host_shown: bool, score: float = 0.0,
                passage: str = "", snippet: Snippet | None = None) -> PracticeSummaryPublic:
        """Return a practice as a result row; its passage chosen by `snippet` from what the viewer may read."""
        clean = self.clean(host_shown)
        shown = (snippet(summary=clean(practice.summary), body=clean(practice.body), passage=clean(passage))
                 if snippet is not None else clean(passage))
        entitled = sees_as_host(self.viewer, practice.host_state_code)
        return PracticeSummaryPublic(
            id=practice.public_id, reference=practice.external_id if entitled else None,
            title=clean(practice.title), summary=clean(practice.summary), kind=practice.kind,
            **_tags(tags), host_state=practice.host_state_code if host_shown else None,
            source_type=practice.source_type, source_year=practice.source_year,
            updated=practice.updated_at.date(), score=round(score, 6), passage=shown,
        )

    def practice(self, practice: Practice, tags: Tags, *, host_shown: bool,
                 decisions: Sequence[Decision] | None = None) -> PracticePublic:
        """Return a whole practice; its decisions only for the host and the secretariat."""
        clean = self.clean(host_shown)
        entitled = sees_as_host(self.viewer, practice.host_state_code)
        return PracticePublic(
            id=practice.public_id, reference=practice.external_id if entitled else None, kind=practice.kind,
            title=clean(practice.title), summary=clean(practice.summary), body=clean(practice.body),
            **_tags(tags), host_state=practice.host_state_code if host_shown else None,
            source_type=practice.source_type, source_year=practice.source_year,
            source_reference=clean(practice.source_reference), language=practice.language,
            references=[clean(r) for r in practice.references], status=practice.status,
            updated=practice.updated_at.date(),
            decision_version=practice.decision_version if entitled else None,
            authorisations=[authorisation_public(d) for d in decisions] if entitled and decisions is not None
            else None,
        )

    def search_response(self, session: Session, ranked: RankedPage, tags_of: Callable[[list[int]], Mapping[int, Tags]],
                        *, limit: int, offset: int, suggestions: Sequence[str] = (),
                        snippet: Snippet | None = None) -> SearchResponse:
        """Return a page of ranked hits with total and facets, as this viewer may see them."""
        ids = [hit.practice_id for hit in ranked.hits]
        rows = practices_by_id(session, ids)
        tags = tags_of(ids)
        results = [self.summary(rows[hit.practice_id], tags[hit.practice_id], host_shown=hit.host_shown,
                                score=hit.score, passage=hit.passage, snippet=snippet)
                   for hit in ranked.hits if hit.practice_id in rows]  # a practice deleted since it was ranked
        return SearchResponse(total=ranked.total, results=results, facets=ranked.facets, limit=limit,
                              offset=offset, suggestions=list(suggestions))


def practices_by_id(session: Session, ids: Iterable[int]) -> dict[int, Practice]:
    """Return the practices with these ids (the caller has already checked that the viewer may see them)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    return {p.id or 0: p for p in session.exec(select(Practice).where(col(Practice.id).in_(wanted)))}


def authorisation_public(decision: Decision) -> AuthorisationPublic:
    a = decision.authorisation
    return AuthorisationPublic(
        decision=a.decision, scope=a.scope, networks=decision.networks, attribution=a.attribution,
        granted_by=a.granted_by, granted_at=a.granted_at, entered_by=a.entered_by, entered_via=a.entered_via,
        withdrawn_at=a.withdrawn_at, withdrawn_by=a.withdrawn_by, superseded_at=a.superseded_at,
        in_force=a.in_force, description=decision.describe(), note=a.note,
    )


PREVIEW_FIELDS = ("title", "summary", "body", "source_reference")


def anonymity_preview(practice: Practice, terms: IdentifyingTerms) -> AnonymityPreview:
    """Return what outsiders will read of a practice shared anonymously, marking what goes and what may identify."""
    fields: list[FieldPreview] = []
    texts = [(name, str(getattr(practice, name))) for name in PREVIEW_FIELDS]
    texts += [(f"references[{n}]", text) for n, text in enumerate(practice.references)]
    for name, text in texts:
        redacted = terms.redact(text)
        found = suspects(text, redacted.replacements)
        fields.append(FieldPreview(
            field=name, original=text, outsiders_read=redacted.text,
            replaced=[ReplacementPublic(start=r.start, end=r.end, original=r.original, state=r.state)
                      for r in redacted.replacements],
            looks_identifying=[SuspectPublic(start=s.start, end=s.end, text=s.text, reason=s.reason) for s in found],
        ))
    return AnonymityPreview(id=practice.public_id, fields=fields,
                            replaced=sum(len(f.replaced) for f in fields),
                            looks_identifying=sum(len(f.looks_identifying) for f in fields))


def find_for_viewer(session: Session, viewer: Viewer, practice_id: str) -> tuple[Practice, bool]:
    """Return a practice the viewer may see, by its public id (or by its reference, for the host and the
    secretariat), with whether its host is shown; NotFound for anything else, hidden or absent alike."""
    found = find_visible(session, viewer, public_id=practice_id)
    if found is not None:
        return found
    practice = find_by_reference(session, viewer, external_id=practice_id)
    if practice is None:
        raise NotFound(NOT_FOUND)
    return practice, True


def practice_view(session: Session, viewer: Viewer, terms: IdentifyingTerms, practice_id: str) -> PracticePublic:
    """Return one practice as the viewer may see it, with its decisions for the host and the secretariat."""
    practice, host_shown = find_for_viewer(session, viewer, practice_id)
    decisions = decisions_of(session, practice) if sees_as_host(viewer, practice.host_state_code) else None
    return Projection(viewer, terms).practice(practice, tags_of(session, practice.id or 0), host_shown=host_shown,
                                              decisions=decisions)
