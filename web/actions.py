"""What pages and the JSON API both do: save a practice with its passages, ingest an upload, host decisions."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request
from sqlmodel import Session, col, select

from index.search import SearchService
from index.store import sync_passages
from ingest.pipeline import IngestReport, ingest_paths
from ingest.readers import SUPPORTED
from kb.authorisations import AuthorisationError, authorise, current_authorisation, refuse, withdraw
from kb.curation import save_practice
from kb.models import Attribution, Authorisation, Practice, Scope
from kb.practices import Outcome, authorisation_history, network_codes_of
from kb.records import PracticeRecord
from kb.viewer import Viewer
from kb.visibility import visible_to

NOT_FOUND = "practice not found"


def require_secretariat(viewer: Viewer) -> None:
    """Refuse anyone but curators and administrators."""
    if not viewer.is_secretariat:
        raise HTTPException(status_code=403, detail="Only the secretariat may do this.")


def require_focal_point(viewer: Viewer) -> None:
    """Refuse anyone but a host state's focal point."""
    if not viewer.is_focal_point:
        raise HTTPException(status_code=403, detail="Only a state's focal point may do this.")


def store_practice(
    session: Session, search: SearchService, *, record: PracticeRecord, actor: str, passage_words: int
) -> tuple[Outcome, Practice]:
    """Save a practice and embed its changed passages in the caller's transaction."""
    outcome, practice = save_practice(session, record=record, vocabularies=search.vocabularies, actor=actor)
    if outcome != Outcome.unchanged:
        sync_passages(session, [practice], embedder=search.embedder, vocabularies=search.vocabularies,
                      words=passage_words)
    return outcome, practice


@dataclass(frozen=True)
class UploadProblem:
    line: int | None
    record: int | None
    record_id: str | None
    message: str


def ingest_upload(
    request: Request, *, filename: str, content: bytes, actor: str
) -> tuple[IngestReport, list[UploadProblem]]:
    """Ingest one uploaded file whole, or nothing of it; return the report and its problems by line."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED:
        allowed = ", ".join(sorted(SUPPORTED))
        return IngestReport(), [UploadProblem(None, None, None, f"unsupported file type {suffix or '(none)'}; "
                                                                f"use one of {allowed}")]
    settings = request.app.state.settings
    search: SearchService = request.app.state.search
    with tempfile.TemporaryDirectory(prefix="kb-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        report = ingest_paths([path], engine=request.app.state.engine, embedder=search.embedder,
                              vocabularies=search.vocabularies, passage_words=settings.passage_words, actor=actor)
    problems = [UploadProblem(e.line, e.record, e.record_id, e.message) for e in report.errors]
    return report, problems


# -- the host's decisions ------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """One authorisation as shown to the host: scope, networks, attribution, who and when."""

    authorisation: Authorisation
    networks: list[str]

    @property
    def refused(self) -> bool:
        return self.authorisation.note == "refused"


def decisions_of(session: Session, practice: Practice) -> list[Decision]:
    """Return the practice's authorisation history, newest first, with the networks each names."""
    return [Decision(a, network_codes_of(session, a.id or 0)) for a in authorisation_history(session, practice.id or 0)]


def our_practices(session: Session, viewer: Viewer) -> list[Practice]:
    """Return every practice about the viewer's state, whatever its status."""
    if viewer.state_code is None:
        return []
    statement = (
        select(Practice).where(Practice.host_state_code == viewer.state_code, visible_to(viewer))
        .order_by(col(Practice.status), col(Practice.updated_at).desc())
    )
    return list(session.exec(statement))


def hosted_practice(session: Session, viewer: Viewer, external_id: str) -> Practice:
    """Return a practice the viewer's state hosts, or 404."""
    practice = session.exec(
        select(Practice).where(Practice.external_id == external_id, visible_to(viewer))
    ).first()
    if practice is None or practice.host_state_code != viewer.state_code:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    return practice


def decide(
    session: Session, viewer: Viewer, *, external_id: str, action: str, scope: Scope | None = None,
    networks: list[str] | None = None, attribution: Attribution = Attribution.named,
) -> Practice:
    """Record the host's decision (authorise, refuse or withdraw) on one of its practices."""
    require_focal_point(viewer)
    practice = hosted_practice(session, viewer, external_id)
    return record_decision(session, practice=practice, by=viewer.username or "host", action=action, scope=scope,
                           networks=networks, attribution=attribution)


def record_decision(
    session: Session, *, practice: Practice, by: str, action: str, scope: Scope | None = None,
    networks: list[str] | None = None, attribution: Attribution = Attribution.named,
) -> Practice:
    """Record a decision on sharing a practice the caller may decide on; 422 when it cannot be recorded."""
    try:
        if action == "authorise":
            if scope is None:
                raise AuthorisationError("choose who may see it: host only, chosen networks or public")
            codes = sorted(set(networks or ())) if scope == Scope.networks else []
            authorise(session, practice=practice, scope=scope, network_codes=codes, attribution=attribution, by=by)
        elif action == "refuse":
            refuse(session, practice=practice, by=by)
        elif action == "withdraw":
            withdraw(session, practice=practice, by=by)
        else:
            raise AuthorisationError(f"unknown decision {action!r}")
    except AuthorisationError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    return practice


def in_force(session: Session, practice: Practice) -> Decision | None:
    """Return the decision in force for a practice, if any."""
    current = current_authorisation(session, practice.id or 0)
    return None if current is None else Decision(current, network_codes_of(session, current.id or 0))
