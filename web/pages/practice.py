"""The practice page: the whole entry as this viewer may see it, with its nearest visible neighbours."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kb.authorisations import decisions_of
from kb.practices import tags_of
from kb.projection import Projection, find_for_viewer, practices_by_id
from kb.visibility import sees_as_host
from web.deps import SearchDep
from web.pages.listing import state_names
from web.rendering import PageDep

router = APIRouter(tags=["pages"])


@router.get("/practices/{practice_id}", response_class=HTMLResponse, include_in_schema=False)
def practice_page(practice_id: str, page: PageDep, search: SearchDep) -> Response:
    """Show one practice; one the viewer may not see is 'not found', exactly like one that does not exist.

    The secretariat's and the host's old links by reference lead to the practice's own address.
    """
    practice, host_shown = find_for_viewer(page.session, page.viewer, practice_id)
    if practice_id != practice.public_id:
        return RedirectResponse(f"/practices/{practice.public_id}", status_code=308)
    projection = Projection(page.viewer, search.catalogue.terms)
    entitled = sees_as_host(page.viewer, practice.host_state_code)
    view = projection.practice(practice, tags_of(page.session, practice.id or 0), host_shown=host_shown)
    hits = search.related(page.session, page.viewer, practice.id or 0, limit=5)
    rows = practices_by_id(page.session, [h.practice_id for h in hits])
    tags = search.catalogue.tags_of([h.practice_id for h in hits])
    related = [projection.summary(rows[h.practice_id], tags[h.practice_id], host_shown=h.host_shown, score=h.score)
               for h in hits if h.practice_id in rows]
    return page.render("practice.html", {
        "view": view, "decisions": decisions_of(page.session, practice) if entitled else None,
        "related": related, "states": state_names(page), "back": search_link(page.request),
    })


def search_link(request: Request) -> str:
    """Return the search the reader came from (this site's search or topic page, as its address said), or home."""
    came_from = urlsplit(request.headers.get("referer", ""))
    same_site = came_from.netloc == request.url.netloc and came_from.scheme == request.url.scheme
    if same_site and (came_from.path == "/" or came_from.path.startswith("/browse/")):
        return came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return "/"
