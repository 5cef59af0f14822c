"""The practice page: the whole entry as this viewer may see it, with its nearest visible neighbours."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from kb.models import Practice
from kb.practices import tags_of
from kb.queries import find_visible
from web.actions import NOT_FOUND, decisions_of
from web.deps import SearchDep
from web.pages.listing import state_names
from web.rendering import PageDep

router = APIRouter(tags=["pages"])


@router.get("/practices/{external_id}", response_class=HTMLResponse, include_in_schema=False)
def practice_page(external_id: str, page: PageDep, search: SearchDep) -> HTMLResponse:
    """Show one practice; one the viewer may not see is 'not found', exactly like one that does not exist."""
    found = find_visible(page.session, page.viewer, external_id=external_id)
    if found is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    practice, host_shown = found
    entitled = page.viewer.is_secretariat or page.viewer.state_code == practice.host_state_code
    hits = search.related(page.session, page.viewer, practice.id or 0, limit=5)
    by_id = {}
    if hits:
        ids = [h.practice_id for h in hits]
        by_id = {p.id: p for p in page.session.exec(select(Practice).where(col(Practice.id).in_(ids)))}
    related = [(by_id[h.practice_id], h.host_shown) for h in hits if h.practice_id in by_id]
    return page.render("practice.html", {
        "practice": practice, "host_shown": host_shown, "tags": tags_of(page.session, practice.id or 0),
        "decisions": decisions_of(page.session, practice) if entitled else None,
        "related": related, "states": state_names(page),
    })
