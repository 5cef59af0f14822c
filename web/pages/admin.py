"""Secretariat administration pages: networks and participation, users and roles, the audit log."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from kb.accounts import USERNAME_PATTERN, end_sessions, reset_password, save_user, set_active, user_by_name
from kb.audit import AuditQuery, actors, field_changes, find_events
from kb.credits import credit, credits
from kb.directory import (
    admit_person,
    create_network,
    direct_members,
    network_by_code,
    network_states,
    set_network_states,
    set_user_networks,
    user_network_codes,
)
from kb.errors import InvalidInput, NotFound
from kb.models import Network, Role, State, User
from kb.passwords import MAX_PASSWORD_LENGTH
from web.csrf import require_csrf
from web.guards import AdminPage, SecretariatPage
from web.rendering import Page

router = APIRouter(prefix="/secretariat", tags=["pages"])
AUDIT_PAGE = 50


def _networks_page(page: Page, error: str | None = None, status_code: int = 200,
                   new_errors: dict[str, str] | None = None, typed: dict[str, str] | None = None) -> HTMLResponse:
    networks = list(page.session.exec(select(Network).order_by(Network.code)))
    rows = [(n, network_states(page.session, n), direct_members(page.session, n)) for n in networks]
    states = list(page.session.exec(select(State).order_by(State.name)))
    people = list(page.session.exec(select(User).where(col(User.is_active)).order_by(User.username)))
    return page.render("networks.html", {"rows": rows, "states": states, "people": people, "error": error,
                                         "new_errors": new_errors or {}, "typed": typed or {}},
                       status_code=status_code)


@router.post("/networks", include_in_schema=False, dependencies=[Depends(require_csrf)])
def add_network(page: SecretariatPage, code: Annotated[str, Form(max_length=32)] = "",
                name: Annotated[str, Form(max_length=200)] = "",
                description: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Create a network; its participants are chosen next."""
    try:
        network = create_network(page.session, code=code, name=name, description=description,
                                 actor=page.viewer.username or "")
    except InvalidInput as exc:
        page.session.rollback()
        errors = {p.field: p.message for p in exc.problems}
        return _networks_page(page, status_code=422, new_errors=errors,
                              typed={"code": code, "name": name, "description": description})
    page.session.commit()
    return RedirectResponse(f"/secretariat/networks#n-{network.code}", status_code=303)


@router.post("/networks/{code}/people", include_in_schema=False, dependencies=[Depends(require_csrf)])
def admit_to_network(code: str, page: SecretariatPage, username: Annotated[str, Form(max_length=64)],
                     admitted: Annotated[bool, Form()] = True) -> Response:
    """Admit a person to a network directly (or end it), whatever their state's participation."""
    network = network_by_code(page.session, code)
    if network is None:
        raise NotFound("network not found")
    user = user_by_name(page.session, username)
    if user is None:
        return _networks_page(page, f"There is no user '{username}': choose a person from the list.", 422)
    admit_person(page.session, network=network, user=user, admitted=admitted, actor=page.viewer.username or "")
    page.session.commit()
    return RedirectResponse(f"/secretariat/networks#n-{code}", status_code=303)


@router.get("/networks", response_class=HTMLResponse, include_in_schema=False)
def networks_page(page: SecretariatPage) -> Response:
    """Show every network and the states that participate in it."""
    return _networks_page(page)


@router.post("/networks/{code}", include_in_schema=False, dependencies=[Depends(require_csrf)])
def save_participants(code: str, page: SecretariatPage, states: Annotated[list[str], Form()] = []) -> Response:
    """Make exactly the chosen states the participants of a network."""
    network = network_by_code(page.session, code)
    if network is None:
        raise NotFound("network not found")
    try:
        set_network_states(page.session, network=network, states=states, actor=page.viewer.username or "")
    except InvalidInput as exc:
        page.session.rollback()
        return _networks_page(page, str(exc), 422)
    page.session.commit()
    return RedirectResponse(f"/secretariat/networks#n-{code}", status_code=303)


def _users_page(page: Page, error: str | None = None, status_code: int = 200, notice: str | None = None
                ) -> HTMLResponse:
    users = list(page.session.exec(select(User).order_by(User.username)))
    rows = [(u, user_network_codes(page.session, u)) for u in users]
    states = list(page.session.exec(select(State).order_by(State.name)))
    networks = list(page.session.exec(select(Network).order_by(Network.code)))
    return page.render("users.html", {"rows": rows, "states": states, "networks": networks, "roles": list(Role),
                                      "error": error, "notice": notice}, status_code=status_code)


@router.get("/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(page: SecretariatPage, reset: Annotated[str, Query(max_length=64)] = "") -> Response:
    """Show every user with their role, state and direct network memberships."""
    notice = f"{reset} has a temporary password and must choose a new one at the next sign-in." if reset else None
    return _users_page(page, notice=notice)


@router.post("/users", include_in_schema=False, dependencies=[Depends(require_csrf)])
def save_user_form(
    page: AdminPage,
    username: Annotated[str, Form(pattern=USERNAME_PATTERN)],
    role: Annotated[Role, Form()],
    state: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)] = "",
    networks: Annotated[list[str], Form()] = [],
) -> Response:
    """Create a user or change their role, state and networks (administrators only)."""
    actor = page.viewer.username or ""
    try:
        user = save_user(page.session, username=username, role=role, state_code=state or None,
                         full_name=full_name, password=password or None, actor=actor,
                         new_needs_password=True)
        set_user_networks(page.session, user=user, codes=networks, actor=actor)
    except InvalidInput as exc:
        page.session.rollback()
        return _users_page(page, str(exc), 422)
    page.session.commit()
    return RedirectResponse(f"/secretariat/users#u-{username}", status_code=303)


def _user(page: Page, username: str) -> User:
    user = user_by_name(page.session, username)
    if user is None:
        raise NotFound("user not found")
    return user


@router.post("/users/{username}/sessions", include_in_schema=False, dependencies=[Depends(require_csrf)])
def end_user_sessions(username: str, page: AdminPage) -> Response:
    """End every session of a user: they must sign in again."""
    end_sessions(page.session, user=_user(page, username), reason="ended by an administrator",
                 actor=page.viewer.username or "")
    page.session.commit()
    return RedirectResponse(f"/secretariat/users#u-{username}", status_code=303)


@router.post("/users/{username}/password", include_in_schema=False, dependencies=[Depends(require_csrf)])
def reset_user_password(username: str, page: AdminPage,
                        temporary: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)] = "") -> Response:
    """Give a user a temporary password, to be replaced at their next sign-in (administrators only)."""
    user = _user(page, username)
    try:
        reset_password(page.session, user=user, temporary=temporary, actor=page.viewer.username or "")
    except InvalidInput as exc:
        page.session.rollback()
        return _users_page(page, f"Password of {username} not reset: {exc.problems[0].message}", 422)
    page.session.commit()
    return RedirectResponse(f"/secretariat/users?reset={username}#u-{username}", status_code=303)


@router.post("/users/{username}/active", include_in_schema=False, dependencies=[Depends(require_csrf)])
def set_user_active(username: str, page: AdminPage, active: Annotated[bool, Form()]) -> Response:
    """Activate or deactivate a user; deactivation ends their sessions."""
    set_active(page.session, user=_user(page, username), active=active, actor=page.viewer.username or "")
    page.session.commit()
    return RedirectResponse(f"/secretariat/users#u-{username}", status_code=303)


def _day(name: str, value: str, errors: dict[str, str]) -> date | None:
    """Read a day from the filter form: empty means any day; a wrong one is said beside its field."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[name] = f"'{value}' is not a day: write it as YYYY-MM-DD, e.g. 2026-12-01, or leave it empty"
        return None


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    page: SecretariatPage,
    actor: Annotated[str, Query(max_length=64)] = "",
    object_id: Annotated[str, Query(alias="object", max_length=80)] = "",
    since: Annotated[str, Query(max_length=32)] = "",
    until: Annotated[str, Query(max_length=32)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Show the audit log, newest first, filtered by person, object and date, each change field by field."""
    errors: dict[str, str] = {}
    first, last = _day("since", since, errors), _day("until", until, errors)
    if first and last and first > last:
        errors["until"] = f"'To' ({last}) is before 'From' ({first}): swap them or widen the range"
    query = AuditQuery(actor=actor, object_id=object_id.strip(), since=first, until=last)
    events = [] if errors else find_events(page.session, query, limit=AUDIT_PAGE + 1, offset=offset)
    everyone = actors(page.session)
    people = credits(page.session, everyone)
    rows = [(e, credit(people, e.actor), field_changes(e.before, e.after)) for e in events[:AUDIT_PAGE]]
    return page.render("audit.html", {"rows": rows, "more": len(events) > AUDIT_PAGE, "query": query,
                                      "typed": {"since": since, "until": until}, "errors": errors,
                                      "actors": [(a, credit(people, a)) for a in everyone], "offset": offset,
                                      "page_size": AUDIT_PAGE},
                       partial="_audit_rows.html", status_code=422 if errors else 200)
