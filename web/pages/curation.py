"""Secretariat curation pages: queues, create and edit practices with a live preview, upload files."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import select

from kb.curation import CurationError, queues, record_of
from kb.models import Practice, State
from kb.practices import tags_of
from kb.records import PracticeRecord
from web.actions import ingest_upload, require_secretariat, store_practice
from web.csrf import require_csrf
from web.deps import SearchDep
from web.rendering import Page, PageDep, render_markdown

router = APIRouter(prefix="/secretariat", tags=["pages"])
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def secretariat_only(page: Page) -> RedirectResponse | None:
    if page.viewer.is_public:
        return RedirectResponse(f"/signin?next={page.request.url.path}", status_code=303)
    require_secretariat(page.viewer)
    return None


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def secretariat_page(page: PageDep) -> Response:
    """Show the drafts and the entries waiting for their host's authorisation."""
    redirect = secretariat_only(page)
    return redirect or page.render("secretariat.html", {"queues": queues(page.session, viewer=page.viewer)})


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
        "domain": form.get("domain", []), "sector": form.get("sector", []), "topic": form.get("topic", []),
        "references": [line.strip() for line in text("references").splitlines() if line.strip()],
        "status": text("status") or "draft",
    }


async def _read_form(request: Request) -> dict[str, Any]:
    raw = await request.form()
    values: dict[str, Any] = {k: raw.get(k) for k in raw if k not in ("domain", "sector", "topic")}
    for name in ("domain", "sector", "topic"):
        values[name] = [v for v in raw.getlist(name) if isinstance(v, str)]
    return _form_values(values)


def _editor(page: Page, values: dict[str, Any], *, editing: str | None, errors: list[str],
            status_code: int = 200) -> HTMLResponse:
    states = list(page.session.exec(select(State).order_by(State.name)))
    return page.render("practice_form.html", {"values": values, "editing": editing, "errors": errors,
                                              "states": states}, status_code=status_code)


def _blank() -> dict[str, Any]:
    return _form_values({"status": "draft", "language": "en"})


@router.get("/practices/new", response_class=HTMLResponse, include_in_schema=False)
def new_practice_page(page: PageDep) -> Response:
    """Show an empty practice form."""
    return secretariat_only(page) or _editor(page, _blank(), editing=None, errors=[])


@router.get("/practices/{external_id}/edit", response_class=HTMLResponse, include_in_schema=False)
def edit_practice_page(external_id: str, page: PageDep) -> Response:
    """Show the form for an existing practice."""
    redirect = secretariat_only(page)
    if redirect is not None:
        return redirect
    practice = page.session.exec(select(Practice).where(Practice.external_id == external_id)).first()
    if practice is None:
        raise HTTPException(status_code=404, detail="practice not found")
    record = record_of(practice, tags_of(page.session, practice.id or 0))
    values = record.model_dump(mode="json")
    values["references"] = "\n".join(values["references"])
    return _editor(page, values, editing=external_id, errors=[])


def _problems(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in exc.errors()]


async def _save(page: Page, search: SearchDep, editing: str | None) -> Response:
    redirect = secretariat_only(page)
    if redirect is not None:
        return redirect
    values = await _read_form(page.request)
    if editing is not None:
        values["id"] = editing
    shown = {**values, "references": "\n".join(values["references"])}
    try:
        record = PracticeRecord.model_validate(values)
        store_practice(page.session, search, record=record, actor=page.viewer.username or "secretariat",
                       passage_words=page.request.app.state.settings.passage_words)
    except ValidationError as exc:
        page.session.rollback()
        return _editor(page, shown, editing=editing, errors=_problems(exc), status_code=422)
    except CurationError as exc:
        page.session.rollback()
        return _editor(page, shown, editing=editing, errors=[str(p) for p in exc.problems], status_code=422)
    page.session.commit()
    return RedirectResponse(f"/practices/{record.id}", status_code=303)


@router.post("/practices/new", include_in_schema=False, dependencies=[Depends(require_csrf)])
async def create_practice(page: PageDep, search: SearchDep) -> Response:
    """Create a practice from the form (its passages are embedded in the same transaction)."""
    return await _save(page, search, None)


@router.post("/practices/{external_id}/edit", include_in_schema=False, dependencies=[Depends(require_csrf)])
async def update_practice(external_id: str, page: PageDep, search: SearchDep) -> Response:
    """Save the edited practice."""
    return await _save(page, search, external_id)


@router.post("/preview", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(require_csrf)])
def preview_body(page: PageDep, body: Annotated[str, Form(max_length=100_000)] = "") -> Response:
    """Render the body as the practice page will show it."""
    return secretariat_only(page) or HTMLResponse(render_markdown(body) or "<p class='muted'>Nothing yet.</p>")


# -- upload ------------------------------------------------------------------------------------

@router.get("/upload", response_class=HTMLResponse, include_in_schema=False)
def upload_page(page: PageDep) -> Response:
    """Show the upload form."""
    return secretariat_only(page) or page.render("upload.html", {"report": None})


@router.post("/upload", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(require_csrf)])
async def upload_file(page: PageDep, file: Annotated[UploadFile, File()]) -> Response:
    """Ingest an uploaded file whole, or store nothing of it and show every problem with its line."""
    redirect = secretariat_only(page)
    if redirect is not None:
        return redirect
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    filename = file.filename or "upload"
    if len(content) > MAX_UPLOAD_BYTES:
        too_big = f"{filename} is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it into smaller files"
        return page.render("upload.html", {"report": None, "filename": filename, "too_big": too_big},
                           status_code=413)
    report, problems = ingest_upload(page.request, filename=filename, content=content,
                                     actor=page.viewer.username or "secretariat")
    return page.render("upload.html", {"report": report, "problems": problems, "filename": filename},
                       status_code=422 if problems else 200)
