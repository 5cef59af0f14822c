"""Secretariat curation pages: queues, create and edit practices with a live preview, upload files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import select

from kb.curation import CurationError, queues, record_of
from kb.errors import NotFound, Problem
from kb.models import Practice, State
from kb.plain_words import problems_of
from kb.practices import tags_of
from kb.projection import Projection
from kb.queries import NOT_FOUND, tags_by_practice
from kb.records import PracticeRecord
from kb.schemas import PracticeSummaryPublic
from kb.vocabulary import TAG_VOCABULARIES
from web.csrf import require_csrf
from web.deps import SearchDep, SettingsDep
from web.editing import save_and_index
from web.guards import SecretariatPage
from web.pages.listing import state_names
from web.rendering import Page, render_markdown
from web.uploads import ACCEPTED, ingest_upload

router = APIRouter(prefix="/secretariat", tags=["pages"])


QUEUE_SORTS = {"newest": "Newest first", "oldest": "Oldest first", "title": "Title", "state": "Host state"}
QueueRow = tuple[PracticeSummaryPublic, Practice, datetime]  # what is shown, the entry, since when it is queued


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def secretariat_page(page: SecretariatPage, search: SearchDep, sort: Annotated[str, Query(max_length=16)] = "newest",
                     state: Annotated[str, Query(max_length=2)] = "",
                     q: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Show the drafts and the entries waiting for their host's authorisation, filtered and sorted as asked."""
    found = queues(page.session, viewer=page.viewer)
    names = state_names(page)
    projection = Projection(page.viewer, search.catalogue.terms)
    tags = tags_by_practice(page.session, [p.id or 0 for p in [*found.drafts, *found.pending]])
    sort = sort if sort in QUEUE_SORTS else "newest"

    def shown(items: list[Practice], since: Callable[[Practice], datetime]) -> list[QueueRow]:
        order: dict[str, Callable[[Practice], Any]] = {
            "newest": lambda p: -since(p).timestamp(), "oldest": lambda p: since(p).timestamp(),
            "title": lambda p: p.title.casefold(), "state": lambda p: names.get(p.host_state_code, "")}
        kept = [p for p in items if (not state or p.host_state_code == state.upper())
                and (not q.strip() or q.strip().casefold() in f"{p.title} {p.external_id}".casefold())]
        return [(projection.summary(p, tags[p.id or 0], host_shown=True), p, since(p))
                for p in sorted(kept, key=lambda p: (order[sort](p), p.public_id))]

    lists = {"drafts": shown(found.drafts, lambda p: p.created_at),
             "pending": shown(found.pending, lambda p: p.submitted_at or p.created_at)}
    return page.render("secretariat.html", {"queues": lists, "states": names, "sort": sort, "sorts": QUEUE_SORTS,
                                            "state": state.upper(), "q": q.strip()})


# -- create and edit ---------------------------------------------------------------------------

def _form_values(form: dict[str, Any]) -> dict[str, Any]:
    """Turn the submitted practice form into the shape of a practice record."""
    def text(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    return {
        "id": text("id"), "kind": text("kind"), "title": text("title"), "summary": text("summary"),
        "body": text("body"), "host_state": text("host_state"), "language": text("language") or "en",
        "source": {"type": text("source_type"), "year": text("source_year") or None,
                   "reference": text("source_reference")},
        **{name: form.get(name, []) for name in TAG_VOCABULARIES},
        "references": [line.strip() for line in text("references").splitlines() if line.strip()],
        "status": text("status") or "draft",
    }


async def _read_form(request: Request) -> dict[str, Any]:
    raw = await request.form()
    values: dict[str, Any] = {k: raw.get(k) for k in raw if k not in TAG_VOCABULARIES}
    for name in TAG_VOCABULARIES:
        values[name] = [v for v in raw.getlist(name) if isinstance(v, str)]
    return _form_values(values)


def _editor(page: Page, values: dict[str, Any], *, editing: str | None, errors: dict[str, str],
            status_code: int = 200) -> HTMLResponse:
    states = list(page.session.exec(select(State).order_by(State.name)))
    return page.render("practice_form.html", {"values": values, "editing": editing, "errors": errors,
                                              "states": states, "field_labels": _LABELS}, status_code=status_code)


def _blank() -> dict[str, Any]:
    """Return an empty form: host state and source start at "Choose…", so nothing is attributed by default."""
    return {**_form_values({"status": "draft", "language": "en"}), "references": ""}


@router.get("/practices/new", response_class=HTMLResponse, include_in_schema=False)
def new_practice_page(page: SecretariatPage) -> Response:
    """Show an empty practice form."""
    return _editor(page, _blank(), editing=None, errors={})


@router.get("/practices/{external_id}/edit", response_class=HTMLResponse, include_in_schema=False)
def edit_practice_page(external_id: str, page: SecretariatPage) -> Response:
    """Show the form for an existing practice."""
    practice = page.session.exec(select(Practice).where(Practice.external_id == external_id)).first()
    if practice is None:
        raise NotFound(NOT_FOUND)
    record = record_of(practice, tags_of(page.session, practice.id or 0))
    values = record.model_dump(mode="json")
    values["references"] = "\n".join(values["references"])
    return _editor(page, values, editing=external_id, errors={})


_LABELS = {"id": "Reference id", "host_state": "Host state", "source_type": "Source", "source_year": "Year",
           "source_reference": "Source reference", "body": "Body", "record": "The whole entry"}
_FORM_FIELDS = {"source.type": "source_type", "source.year": "source_year", "source.reference": "source_reference"}


def _beside_fields(problems: list[Problem]) -> dict[str, str]:
    """Return each problem under the form field it is shown beside (a tag's position is the whole picker)."""
    errors: dict[str, str] = {}
    for problem in problems:
        path = problem.field or "record"
        name = _FORM_FIELDS.get(path, path.split(".", 1)[0])
        said = f"“{problem.value}”: {problem.message}" if isinstance(problem.value, str) and problem.value \
            and name in TAG_VOCABULARIES else problem.message  # which of the ticked terms is meant
        errors[name] = f"{errors[name]}; {said}" if name in errors else said
    return errors


async def _save(page: Page, search: SearchDep, editing: str | None) -> Response:
    values = await _read_form(page.request)
    if editing is not None:
        values["id"] = editing
    shown = {**values, "references": "\n".join(values["references"])}
    try:
        record = PracticeRecord.model_validate(values)
        _, practice = save_and_index(page.session, search, record=record,
                                     actor=page.viewer.username or "secretariat", via="portal")
    except ValidationError as exc:
        page.session.rollback()
        return _editor(page, shown, editing=editing, errors=_beside_fields(problems_of(exc)), status_code=422)
    except CurationError as exc:
        page.session.rollback()
        return _editor(page, shown, editing=editing, errors=_beside_fields(exc.problems), status_code=422)
    page.session.commit()
    return RedirectResponse(f"/practices/{practice.public_id}", status_code=303)


@router.post("/practices/new", include_in_schema=False, dependencies=[Depends(require_csrf)])
async def create_practice(page: SecretariatPage, search: SearchDep) -> Response:
    """Create a practice from the form (its passages are embedded in the same transaction)."""
    return await _save(page, search, None)


@router.post("/practices/{external_id}/edit", include_in_schema=False, dependencies=[Depends(require_csrf)])
async def update_practice(external_id: str, page: SecretariatPage, search: SearchDep) -> Response:
    """Save the edited practice."""
    return await _save(page, search, external_id)


@router.post("/preview", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(require_csrf)])
def preview_body(page: SecretariatPage, body: Annotated[str, Form(max_length=100_000)] = "") -> Response:
    """Render the body as the practice page will show it."""
    return HTMLResponse(render_markdown(body) or "<p class='muted'>Nothing yet.</p>")


# -- upload ------------------------------------------------------------------------------------

@router.get("/upload", response_class=HTMLResponse, include_in_schema=False)
def upload_page(page: SecretariatPage) -> Response:
    """Show the upload form."""
    return page.render("upload.html", {"report": None, "accepted": ACCEPTED})


@router.post("/upload", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(require_csrf)])
async def upload_file(page: SecretariatPage, search: SearchDep, settings: SettingsDep,
                      file: Annotated[UploadFile, File()], check_only: Annotated[bool, Form()] = False) -> Response:
    """Ingest (or only check) an uploaded file whole, or store nothing of it and show every problem with its line."""
    limit = settings.max_upload_bytes
    content = await file.read(limit + 1)
    filename = file.filename or "upload"
    if len(content) > limit:
        too_big = f"{filename} is over {limit // (1024 * 1024)} MB; split it into smaller files"
        return page.render("upload.html", {"report": None, "filename": filename, "too_big": too_big,
                                           "accepted": ACCEPTED}, status_code=413)
    report = await run_in_threadpool(ingest_upload, page.request.app.state.engine, search, filename=filename,
                                     content=content, actor=page.viewer.username or "secretariat", max_bytes=limit,
                                     check_only=check_only)
    return page.render("upload.html", {"report": report, "problems": report.errors, "filename": filename,
                                       "check_only": check_only, "accepted": ACCEPTED},
                       status_code=422 if report.errors else 200)
