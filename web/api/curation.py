"""Secretariat curation through the API: create and edit practices, ingest a file, the work queues."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session, col, select

from kb.curation import CurationError, queues
from kb.models import Practice, State
from kb.queries import Filters, tags_by_practice, visible_rows
from kb.records import PracticeRecord
from kb.schemas import PracticePublic, PracticeSummaryPublic, practice_summary
from kb.viewer import Viewer
from web.actions import NOT_FOUND, ingest_upload, store_practice
from web.api.access import SecretariatDep, require_api_csrf
from web.api.practices import read_practice
from web.deps import SearchDep, SessionDep, SettingsDep
from web.pages.curation import MAX_UPLOAD_BYTES

router = APIRouter(tags=["curation"], dependencies=[Depends(require_api_csrf)])

SECRETARIAT_ONLY = {401: {"description": "not signed in"}, 403: {"description": "not the secretariat"}}


class UploadProblemPublic(BaseModel):
    """One problem in an uploaded file, located by line and record where the format allows."""

    line: int | None
    record: int | None
    record_id: str | None
    message: str


class IngestReportPublic(BaseModel):
    """What ingesting one file did; when `ok` is false nothing of the file was stored."""

    filename: str
    ok: bool
    added: int
    updated: int
    unchanged: int
    embedded: int
    records_rejected: int
    problems: list[UploadProblemPublic]


class QueuesPublic(BaseModel):
    drafts: list[PracticeSummaryPublic]
    pending: list[PracticeSummaryPublic]


def _save(session: Session, search: SearchDep, viewer: Viewer, record: PracticeRecord, passage_words: int
          ) -> PracticePublic:
    try:
        store_practice(session, search, record=record, actor=viewer.username or "secretariat",
                       passage_words=passage_words)
    except CurationError as exc:
        raise HTTPException(status_code=422, detail=[
            {"loc": ["body", *p.field.split(".")], "msg": p.message, "type": "value_error",
             "input": jsonable_encoder(p.value)} for p in exc.problems
        ]) from exc
    session.commit()
    return read_practice(record.id, session, viewer)


def _exists(session: Session, external_id: str) -> bool:
    return session.exec(select(Practice.id).where(Practice.external_id == external_id)).first() is not None


@router.post("/practices", response_model=PracticePublic, status_code=201,
             responses={**SECRETARIAT_ONLY, 409: {"description": "a practice with this id exists"}})
def create_practice(record: PracticeRecord, session: SessionDep, search: SearchDep, settings: SettingsDep,
                    viewer: SecretariatDep) -> PracticePublic:
    """Create a practice from a practice record; its passages are embedded in the same transaction."""
    if _exists(session, record.id):
        raise HTTPException(status_code=409, detail=f"id: practice {record.id} already exists; "
                                                    f"PUT /api/v1/practices/{record.id} to change it")
    return _save(session, search, viewer, record, settings.passage_words)


@router.put("/practices/{practice_id}", response_model=PracticePublic,
            responses={**SECRETARIAT_ONLY, 404: {"description": NOT_FOUND}})
def update_practice(practice_id: str, record: PracticeRecord, session: SessionDep, search: SearchDep,
                    settings: SettingsDep, viewer: SecretariatDep) -> PracticePublic:
    """Replace a practice with the record given (the host's authorisations are kept)."""
    if record.id != practice_id:
        raise HTTPException(status_code=422, detail=[{"loc": ["body", "id"], "type": "value_error",
                                                      "msg": f"must be the practice id in the path, {practice_id}",
                                                      "input": record.id}])
    if not _exists(session, practice_id):
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    return _save(session, search, viewer, record, settings.passage_words)


@router.post("/ingest", response_model=IngestReportPublic,
             responses={**SECRETARIAT_ONLY, 413: {"description": "the file is too large"},
                        422: {"model": IngestReportPublic, "description": "the file was rejected; nothing stored"}})
async def ingest_file(
    request: Request,
    file: Annotated[UploadFile, File(description="JSON, JSONL, YAML, CSV or Markdown with front matter")],
    viewer: SecretariatDep,
) -> IngestReportPublic | JSONResponse:
    """Ingest one file whole, or store nothing of it and report every problem with its line."""
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    filename = file.filename or "upload"
    if len(content) > MAX_UPLOAD_BYTES:
        raise HTTPException(status_code=413, detail=f"file: {filename} is over {MAX_UPLOAD_BYTES // 2**20} MB; "
                                                    "split it into smaller files")
    report, problems = await run_in_threadpool(ingest_upload, request, filename=filename, content=content,
                                               actor=viewer.username or "secretariat")
    result = IngestReportPublic(
        filename=filename, ok=not problems, added=report.added, updated=report.updated,
        unchanged=report.unchanged, embedded=report.embedded, records_rejected=report.records_rejected,
        problems=[UploadProblemPublic(line=p.line, record=p.record, record_id=p.record_id, message=p.message)
                  for p in problems],
    )
    if problems:
        return JSONResponse(result.model_dump(mode="json"), status_code=422)
    return result


def _summaries(session: Session, viewer: Viewer, search: SearchDep, practices: list[Practice]
               ) -> list[PracticeSummaryPublic]:
    shown = dict(visible_rows(session, viewer, Filters(), search.vocabularies))
    tags = tags_by_practice(session, [p.id or 0 for p in practices])
    codes = {p.host_state_code for p in practices}
    names = {s.code: s.name for s in session.exec(select(State).where(col(State.code).in_(codes)))}
    return [practice_summary(p, tags[p.id or 0], host_shown=shown.get(p.id or 0, False),
                             host_name=names.get(p.host_state_code), score=0.0) for p in practices]


@router.get("/queues", response_model=QueuesPublic, responses=SECRETARIAT_ONLY)
def list_queues(session: SessionDep, search: SearchDep, viewer: SecretariatDep) -> QueuesPublic:
    """Return the drafts and the entries waiting for their host's authorisation, newest first."""
    found = queues(session, viewer=viewer)
    return QueuesPublic(drafts=_summaries(session, viewer, search, found.drafts),
                        pending=_summaries(session, viewer, search, found.pending))
