"""Secretariat curation through the API: create and edit practices, ingest a file, the work queues."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session, select

from ingest.validate import IngestError
from kb.curation import queues
from kb.errors import Conflict, InvalidInput, NotFound
from kb.models import Practice
from kb.projection import Projection, practice_view
from kb.queries import NOT_FOUND, Filters, tags_by_practice, visible_rows
from kb.records import PracticeRecord
from kb.schemas import PracticePublic, PracticeSummaryPublic
from kb.viewer import Viewer
from web.api.access import Responses, SecretariatDep, require_api_csrf
from web.deps import SearchDep, SessionDep, SettingsDep
from web.editing import save_and_index
from web.uploads import ingest_upload

router = APIRouter(tags=["curation"], dependencies=[Depends(require_api_csrf)])

SECRETARIAT_ONLY: Responses = {401: {"description": "not signed in"}, 403: {"description": "not the secretariat"}}


class IngestReportPublic(BaseModel):
    """What ingesting one file did; when `ok` is false nothing of the file was stored."""

    filename: str
    ok: bool
    checked_only: bool
    added: int
    updated: int
    unchanged: int
    embedded: int
    records_rejected: int
    problems: list[IngestError]


class QueuesPublic(BaseModel):
    drafts: list[PracticeSummaryPublic]
    pending: list[PracticeSummaryPublic]


def _save(session: Session, search: SearchDep, viewer: Viewer, record: PracticeRecord) -> PracticePublic:
    save_and_index(session, search, record=record, actor=viewer.username or "secretariat", via="api")
    session.commit()
    return practice_view(session, viewer, search.catalogue.terms, record.id)


def _exists(session: Session, external_id: str) -> bool:
    return session.exec(select(Practice.id).where(Practice.external_id == external_id)).first() is not None


@router.post("/practices", response_model=PracticePublic, status_code=201,
             responses={**SECRETARIAT_ONLY, 409: {"description": "a practice with this reference exists"}})
def create_practice(record: PracticeRecord, session: SessionDep, search: SearchDep, viewer: SecretariatDep
                    ) -> PracticePublic:
    """Create a practice from a practice record; its passages are embedded in the same transaction."""
    if _exists(session, record.id):
        raise Conflict(f"id: practice {record.id} already exists; PUT /api/v1/practices/{record.id} to change it")
    return _save(session, search, viewer, record)


@router.put("/practices/{practice_id}", response_model=PracticePublic,
            responses={**SECRETARIAT_ONLY, 404: {"description": NOT_FOUND}})
def update_practice(practice_id: str, record: PracticeRecord, session: SessionDep, search: SearchDep,
                    viewer: SecretariatDep) -> PracticePublic:
    """Replace a practice (by its reference) with the record given; the host's decisions are kept."""
    if record.id != practice_id:
        raise InvalidInput(f"must be the practice's reference in the path, {practice_id}", field="id",
                           value=record.id)
    if not _exists(session, practice_id):
        raise NotFound(NOT_FOUND)
    return _save(session, search, viewer, record)


@router.post("/ingest", response_model=IngestReportPublic,
             responses={**SECRETARIAT_ONLY, 413: {"description": "the file is too large"},
                        422: {"model": IngestReportPublic, "description": "the file was rejected; nothing stored"}})
async def ingest_file(
    request: Request,
    file: Annotated[UploadFile, File(description="JSON, JSONL, YAML, CSV or Markdown with front matter")],
    viewer: SecretariatDep,
    search: SearchDep,
    settings: SettingsDep,
    check: Annotated[bool, Query(description="Only check the file; store nothing")] = False,
) -> IngestReportPublic | JSONResponse:
    """Ingest one file whole, or store nothing of it and report every problem with its line."""
    limit = settings.max_upload_bytes
    content = await file.read(limit + 1)
    filename = file.filename or "upload"
    if len(content) > limit:
        raise HTTPException(status_code=413, detail=f"file: {filename} is over {limit // 2**20} MB; "
                                                    "split it into smaller files")
    report = await run_in_threadpool(ingest_upload, request.app.state.engine, search, filename=filename,
                                     content=content, actor=viewer.username or "secretariat", max_bytes=limit,
                                     check_only=check)
    result = IngestReportPublic(
        filename=filename, ok=not report.errors, checked_only=check, added=report.added, updated=report.updated,
        unchanged=report.unchanged, embedded=report.embedded, records_rejected=report.records_rejected,
        problems=report.errors,
    )
    if report.errors:
        return JSONResponse(result.model_dump(mode="json"), status_code=422)
    return result


def _summaries(session: Session, viewer: Viewer, search: SearchDep, practices: list[Practice]
               ) -> list[PracticeSummaryPublic]:
    shown = dict(visible_rows(session, viewer, Filters(), search.vocabularies))
    tags = tags_by_practice(session, [p.id or 0 for p in practices])
    projection = Projection(viewer, search.catalogue.terms)
    return [projection.summary(p, tags[p.id or 0], host_shown=shown.get(p.id or 0, False)) for p in practices]


@router.get("/queues", response_model=QueuesPublic, responses=SECRETARIAT_ONLY)
def list_queues(session: SessionDep, search: SearchDep, viewer: SecretariatDep) -> QueuesPublic:
    """Return the drafts and the entries waiting for their host's authorisation, newest first."""
    found = queues(session, viewer=viewer)
    return QueuesPublic(drafts=_summaries(session, viewer, search, found.drafts),
                        pending=_summaries(session, viewer, search, found.pending))
