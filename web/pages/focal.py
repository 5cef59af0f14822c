"""The focal point's page: every practice about their state, and the decisions on sharing each one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from kb.models import Attribution, Network, Practice, Scope
from kb.practices import tags_of
from web.actions import decide, decisions_of, hosted_practice, our_practices, require_focal_point
from web.csrf import require_csrf
from web.rendering import Page, PageDep, is_fragment

router = APIRouter(prefix="/our-practices", tags=["pages"])


def _row(page: Page, practice: Practice, networks: list[Network], error: str | None = None) -> dict[str, object]:
    return {"practice": practice, "decisions": decisions_of(page.session, practice), "networks": networks,
            "tags": tags_of(page.session, practice.id or 0), "error": error}


def _networks(page: Page) -> list[Network]:
    return list(page.session.exec(select(Network).order_by(Network.code)))


def _signed_in_focal_point(page: Page) -> RedirectResponse | None:
    if page.viewer.is_public:
        return RedirectResponse("/signin?next=/our-practices", status_code=303)
    require_focal_point(page.viewer)
    return None


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def our_practices_page(page: PageDep) -> Response:
    """List every practice about the focal point's state, whatever its status, with its sharing history."""
    redirect = _signed_in_focal_point(page)
    if redirect is not None:
        return redirect
    networks = _networks(page)
    rows = [_row(page, p, networks) for p in our_practices(page.session, page.viewer)]
    return page.render("our_practices.html", {"rows": rows})


@router.post("/{external_id}", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[Depends(require_csrf)])
def decide_on_practice(
    external_id: str,
    page: PageDep,
    action: Annotated[str, Form(pattern="^(authorise|refuse|withdraw)$")],
    scope: Annotated[Scope | None, Form()] = None,
    networks: Annotated[list[str], Form()] = [],
    attribution: Annotated[Attribution, Form()] = Attribution.named,
) -> Response:
    """Record the host's decision; it takes effect on the next request anywhere."""
    redirect = _signed_in_focal_point(page)
    if redirect is not None:
        return redirect
    error = None
    try:
        decide(page.session, page.viewer, external_id=external_id, action=action, scope=scope,
               networks=networks, attribution=attribution)
        page.session.commit()
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        page.session.rollback()
        error = str(exc.detail)
    if is_fragment(page.request):
        practice = hosted_practice(page.session, page.viewer, external_id)
        return page.render("_our_practice.html", {"row": _row(page, practice, _networks(page), error)},
                           status_code=422 if error else 200)
    if error:
        networks_all = _networks(page)
        rows = [_row(page, p, networks_all, error if p.external_id == external_id else None)
                for p in our_practices(page.session, page.viewer)]
        return page.render("our_practices.html", {"rows": rows}, status_code=422)
    return RedirectResponse(f"/our-practices#p-{external_id}", status_code=303)
