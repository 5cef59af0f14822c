"""Secretariat administration pages: networks and participation, users and roles, the audit log."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from kb.accounts import AccountError, save_user, user_by_name
from kb.audit_log import AuditQuery, actors, find_events
from kb.directory import (
    DirectoryError,
    network_by_code,
    network_states,
    set_network_states,
    set_user_networks,
    user_network_codes,
)
from kb.models import Network, Role, State, User
from web.actions import require_secretariat
from web.csrf import require_csrf
from web.pages.curation import secretariat_only
from web.rendering import Page, PageDep

router = APIRouter(prefix="/secretariat", tags=["pages"])
AUDIT_PAGE = 50


def _networks_page(page: Page, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    networks = list(page.session.exec(select(Network).order_by(Network.code)))
    rows = [(n, network_states(page.session, n)) for n in networks]
    states = list(page.session.exec(select(State).order_by(State.name)))
    return page.render("networks.html", {"rows": rows, "states": states, "error": error}, status_code=status_code)


@router.get("/networks", response_class=HTMLResponse, include_in_schema=False)
def networks_page(page: PageDep) -> Response:
    """Show every network and the states that participate in it."""
    return secretariat_only(page) or _networks_page(page)


@router.post("/networks/{code}", include_in_schema=False, dependencies=[Depends(require_csrf)])
def save_participants(code: str, page: PageDep, states: Annotated[list[str], Form()] = []) -> Response:
    """Make exactly the chosen states the participants of a network."""
    redirect = secretariat_only(page)
    if redirect is not None:
        return redirect
    network = network_by_code(page.session, code)
    if network is None:
        raise HTTPException(status_code=404, detail="network not found")
    try:
        set_network_states(page.session, network=network, states=states, actor=page.viewer.username or "")
    except DirectoryError as exc:
        page.session.rollback()
        return _networks_page(page, str(exc), 422)
    page.session.commit()
    return RedirectResponse(f"/secretariat/networks#n-{code}", status_code=303)


def _users_page(page: Page, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    users = list(page.session.exec(select(User).order_by(User.username)))
    rows = [(u, user_network_codes(page.session, u)) for u in users]
    states = list(page.session.exec(select(State).order_by(State.name)))
    networks = list(page.session.exec(select(Network).order_by(Network.code)))
    return page.render("users.html", {"rows": rows, "states": states, "networks": networks, "roles": list(Role),
                                      "error": error}, status_code=status_code)


@router.get("/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(page: PageDep) -> Response:
    """Show every user with their role, state and direct network memberships."""
    return secretariat_only(page) or _users_page(page)


@router.post("/users", include_in_schema=False, dependencies=[Depends(require_csrf)])
def save_user_form(
    page: PageDep,
    username: Annotated[str, Form(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")],
    role: Annotated[Role, Form()],
    state: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    networks: Annotated[list[str], Form()] = [],
) -> Response:
    """Create a user or change their role, state and networks (administrators only)."""
    redirect = secretariat_only(page)
    if redirect is not None:
        return redirect
    if page.viewer.role != Role.admin:
        raise HTTPException(status_code=403, detail="Only an administrator may change users.")
    actor = page.viewer.username or ""
    try:
        if user_by_name(page.session, username) is None and len(password) < 12:
            raise AccountError("a new user needs a password of at least 12 characters")
        user = save_user(page.session, username=username, role=role, state_code=state or None,
                         full_name=full_name, password=password or None, actor=actor)
        set_user_networks(page.session, user=user, codes=networks, actor=actor)
    except (AccountError, DirectoryError) as exc:
        page.session.rollback()
        return _users_page(page, str(exc), 422)
    page.session.commit()
    return RedirectResponse(f"/secretariat/users#u-{username}", status_code=303)


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    page: PageDep,
    actor: Annotated[str, Query(max_length=64)] = "",
    object_id: Annotated[str, Query(alias="object", max_length=80)] = "",
    since: Annotated[date | None, Query()] = None,
    until: Annotated[date | None, Query()] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Show the audit log, newest first, filtered by person, object and date."""
    redirect = secretariat_only(page)
    if redirect is not None:
        return redirect
    require_secretariat(page.viewer)
    query = AuditQuery(actor=actor, object_id=object_id, since=since, until=until)
    events = find_events(page.session, query, limit=AUDIT_PAGE + 1, offset=offset)
    return page.render("audit.html", {"events": events[:AUDIT_PAGE], "more": len(events) > AUDIT_PAGE,
                                      "query": query, "actors": actors(page.session), "offset": offset,
                                      "page_size": AUDIT_PAGE}, partial="_audit_rows.html")
