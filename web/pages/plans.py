"""Pages of missions and plans: a mission with its findings; a plan with items editable in place, matches,
versions and sharing; a printable plan. Every form works without JavaScript; htmx swaps the one item it changes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from kb.errors import Conflict, InvalidInput
from kb.missions import mission_for, missions_for
from kb.models import Mark, Network, Provider
from kb.plan_marks import mark_practice, unmark_practice
from kb.plan_records import ItemFields
from kb.plan_shares import share_plan, withdraw_share
from kb.plan_views import item_public, mission_public, needs_by_area, plan_public
from kb.plans import (
    add_item,
    changes_of,
    item_for,
    item_from_finding,
    plan_for,
    plan_of_item,
    plans_for,
    start_follow_up,
    update_item,
    version_of,
)
from kb.visibility import plan_shown_whole_to
from web.csrf import require_csrf
from web.deps import SearchDep
from web.guards import SignedInPage
from web.plan_matching import item_matches
from web.rendering import Page, is_fragment
from web.statistics import disclosure_rule

router = APIRouter(tags=["pages"])
WRITE = [Depends(require_csrf)]


@router.get("/missions", response_class=HTMLResponse, include_in_schema=False)
def missions_page(page: SignedInPage) -> Response:
    """List the missions the viewer's state hosted (every mission for the secretariat)."""
    missions = [mission_public(page.session, page.viewer, m, with_findings=False)
                for m in missions_for(page.session, page.viewer)]
    return page.render("missions.html", {"missions": missions})


@router.get("/missions/{mission_id}", response_class=HTMLResponse, include_in_schema=False)
def mission_page(mission_id: str, page: SignedInPage) -> Response:
    """Show one mission with its findings; a focal point turns a need into a plan item here."""
    mission = mission_public(page.session, page.viewer, mission_for(page.session, page.viewer, mission_id))
    return page.render("mission.html", {"mission": mission})


@router.post("/missions/{mission_id}/findings/{number}/plan-item", include_in_schema=False, dependencies=WRITE)
def finding_to_item(mission_id: str, number: str, page: SignedInPage, search: SearchDep) -> Response:
    """Turn a recommendation or suggestion into an item of the state's plan, then open the plan at it."""
    item = item_from_finding(page.session, viewer=page.viewer, reference=f"{mission_id}/{number}",
                             areas=search.vocabularies["functional_area"], actor=page.viewer.username or "?")
    page.session.commit()
    state = mission_for(page.session, page.viewer, mission_id).host_state_code
    return RedirectResponse(f"/plans/{state}#item-{item.id}", status_code=303)


@router.get("/plans", response_class=HTMLResponse, include_in_schema=False)
def plans_page(page: SignedInPage) -> Response:
    """Go to the state's own plan, or list the plans shared with the viewer."""
    states = [p.state_code for p in plans_for(page.session, page.viewer)]
    if page.viewer.state_code in states:
        return RedirectResponse(f"/plans/{page.viewer.state_code}", status_code=303)
    return page.render("plans.html", {"states": states})


def _plan_context(page: Page, search: SearchDep, state: str, version: int | None) -> dict[str, object]:
    plan = plan_public(page.session, page.viewer, search.catalogue.terms, plan_for(page.session, page.viewer, state),
                       version)
    return {"plan": plan, "networks": list(page.session.exec(select(Network).order_by(Network.code))),
            "providers": list(page.session.exec(select(Provider).order_by(Provider.code))),
            "areas": search.vocabularies["functional_area"]}


@router.get("/plans/needs", response_class=HTMLResponse, include_in_schema=False)
def needs_page(page: SignedInPage, search: SearchDep) -> Response:
    """Show open needs across states by functional area: by topic and state for the secretariat, else counts."""
    cells = needs_by_area(page.session, page.viewer, rule=disclosure_rule(page.request))
    return page.render("needs.html", {"cells": cells, "areas": search.vocabularies["functional_area"],
                                      "topics": search.vocabularies["topic"]})


@router.get("/plans/{state}", response_class=HTMLResponse, include_in_schema=False)
def plan_page(state: str, page: SignedInPage, search: SearchDep,
              version: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """Show a plan at one version: its items (editable for the state), versions and sharing."""
    return page.render("plan.html", _plan_context(page, search, state, version))


@router.get("/plans/{state}/print", response_class=HTMLResponse, include_in_schema=False)
def plan_print_page(state: str, page: SignedInPage, search: SearchDep,
                    version: Annotated[int | None, Query(ge=1)] = None) -> Response:
    """Show the plan as a printable page: the same items and marks, no forms."""
    return page.render("plan_print.html", _plan_context(page, search, state, version))


def _item_answer(page: Page, search: SearchDep, state: str, item_id: int, *, status_code: int = 200,
                 errors: dict[str, str] | None = None, notice: str | None = None) -> Response:
    if is_fragment(page.request):
        item = item_public(page.session, page.viewer, search.catalogue.terms,
                           item_for(page.session, page.viewer, item_id), whole=True)
        context = _plan_context(page, search, state, None)
        return page.render("_plan_item.html", {**context, "item": item, "errors": errors or {}, "notice": notice},
                           status_code=status_code)
    if errors:
        context = _plan_context(page, search, state, None)
        return page.render("plan.html", {**context, "errors_for": item_id, "errors": errors}, status_code=status_code)
    return RedirectResponse(f"/plans/{state}#item-{item_id}", status_code=303)


@router.post("/plans/{state}/items/{item_id}", include_in_schema=False, dependencies=WRITE)
def edit_item(state: str, item_id: int, page: SignedInPage, search: SearchDep,
              functional_area: Annotated[str, Form()], description: Annotated[str, Form()],
              priority: Annotated[str, Form()], responsible: Annotated[str, Form()],
              status: Annotated[str, Form()], due: Annotated[str, Form()] = "",
              status_source: Annotated[str, Form()] = "self_reported",
              assistance_requested: Annotated[bool, Form()] = False,
              assistance_from: Annotated[str, Form()] = "", notes: Annotated[str, Form()] = "") -> Response:
    """Save an item's fields; the change is kept and audited."""
    item = item_for(page.session, page.viewer, item_id)
    changes = {"functional_area": functional_area, "description": description, "priority": priority,
               "responsible": responsible, "status": status, "due": due or None, "status_source": status_source,
               "assistance_requested": assistance_requested, "assistance_from": assistance_from, "notes": notes}
    try:
        update_item(page.session, viewer=page.viewer, item=item, changes=changes,
                    areas=search.vocabularies["functional_area"], actor=page.viewer.username or "?")
        page.session.commit()
    except InvalidInput as exc:
        page.session.rollback()
        return _item_answer(page, search, state, item_id, status_code=422,
                            errors={p.field or "item": p.message for p in exc.problems})
    except ValueError as exc:  # pydantic's ValidationError: a priority, status or date out of range
        page.session.rollback()
        return _item_answer(page, search, state, item_id, status_code=422, errors={"item": str(exc)})
    return _item_answer(page, search, state, item_id, notice="Saved.")


@router.post("/plans/{state}/items", include_in_schema=False, dependencies=WRITE)
def new_item(state: str, page: SignedInPage, search: SearchDep,
             functional_area: Annotated[str, Form()], description: Annotated[str, Form()],
             priority: Annotated[str, Form()], responsible: Annotated[str, Form()], due: Annotated[str, Form()] = "",
             assistance_requested: Annotated[bool, Form()] = False,
             assistance_from: Annotated[str, Form()] = "", notes: Annotated[str, Form()] = "") -> Response:
    """Enter an item directly (a self-assessment) into the latest version; htmx appends it to the list."""
    plan = plan_for(page.session, page.viewer, state)
    try:
        fields = ItemFields.model_validate({
            "functional_area": functional_area, "description": description, "priority": priority,
            "responsible": responsible, "due": due or None, "assistance_requested": assistance_requested,
            "assistance_from": assistance_from, "notes": notes})
        item = add_item(page.session, viewer=page.viewer, version=version_of(page.session, plan), fields=fields,
                        areas=search.vocabularies["functional_area"], actor=page.viewer.username or "?")
        page.session.commit()
    except InvalidInput as exc:
        page.session.rollback()
        return _new_item_refused(page, search, state, {p.field or "item": p.message for p in exc.problems})
    except ValueError as exc:  # pydantic's ValidationError: a missing field, priority or date out of range
        page.session.rollback()
        return _new_item_refused(page, search, state, {"item": str(exc)})
    return _item_answer(page, search, state, item.id or 0, notice="Added.")


def _new_item_refused(page: Page, search: SearchDep, state: str, errors: dict[str, str]) -> Response:
    context = {**_plan_context(page, search, state, None), "new_item_errors": errors}
    return page.render("plan.html", context, status_code=422, partial="_new_item.html")


@router.get("/plans/{state}/items/{item_id}/changes", response_class=HTMLResponse, include_in_schema=False)
def item_changes_page(state: str, item_id: int, page: SignedInPage, search: SearchDep) -> Response:
    """Show an item's change history, newest first: who, when, before and after (the state and the secretariat)."""
    item = item_for(page.session, page.viewer, item_id)
    shown = item_public(page.session, page.viewer, search.catalogue.terms, item, whole=True)
    whole = plan_shown_whole_to(page.viewer, plan_of_item(page.session, item).state_code)
    return page.render("item_changes.html", {"state": state, "item": shown,
                                             "changes": changes_of(page.session, item) if whole else []})


@router.get("/plans/{state}/items/{item_id}/matches", response_class=HTMLResponse, include_in_schema=False)
def matches_page(state: str, item_id: int, page: SignedInPage, search: SearchDep) -> Response:
    """Show the practices the viewer may see that address the item, with adopt and consider buttons."""
    item = item_for(page.session, page.viewer, item_id)
    found = item_matches(page.session, search, page.viewer, item)
    shown = item_public(page.session, page.viewer, search.catalogue.terms, item, whole=True)
    context = {"state": state, "item": shown, "matches": found.results,
               "marked": {m.practice.id: m.mark for m in shown.marks}}
    return page.render("matches.html", context, partial="_matches.html")


@router.post("/plans/{state}/items/{item_id}/marks", include_in_schema=False, dependencies=WRITE)
def mark_page(state: str, item_id: int, page: SignedInPage, search: SearchDep,
              practice: Annotated[str, Form(max_length=80)], mark: Annotated[str, Form()]) -> Response:
    """Mark a matched practice 'adopt' or 'consider' ('none' removes the mark)."""
    item = item_for(page.session, page.viewer, item_id)
    if mark == "none":
        unmark_practice(page.session, viewer=page.viewer, item=item, public_id=practice,
                        actor=page.viewer.username or "?")
    else:
        mark_practice(page.session, viewer=page.viewer, item=item, public_id=practice, mark=Mark(mark),
                      actor=page.viewer.username or "?")
    page.session.commit()
    if is_fragment(page.request):
        return matches_page(state, item_id, page, search)
    return RedirectResponse(f"/plans/{state}/items/{item_id}/matches", status_code=303)


@router.post("/plans/{state}/versions", include_in_schema=False, dependencies=WRITE)
def follow_up_page(state: str, page: SignedInPage, title: Annotated[str, Form(min_length=1, max_length=300)],
                   started: Annotated[date, Form()]) -> Response:
    """Start a follow-up version from the open items of the latest one."""
    start_follow_up(page.session, viewer=page.viewer, plan=plan_for(page.session, page.viewer, state), title=title,
                    started=started, actor=page.viewer.username or "?")
    page.session.commit()
    return RedirectResponse(f"/plans/{state}", status_code=303)


@router.post("/plans/{state}/shares", include_in_schema=False, dependencies=WRITE)
def share_page(state: str, page: SignedInPage, search: SearchDep, based_on: Annotated[int, Form(ge=0)],
               networks: Annotated[list[str], Form()] = [], providers: Annotated[list[str], Form()] = [],
               items: Annotated[list[int], Form()] = [], action: Annotated[str, Form()] = "share") -> Response:
    """Share the plan (whole, or the chosen items) read only, or withdraw the share in force."""
    plan = plan_for(page.session, page.viewer, state)
    try:
        if action == "withdraw":
            withdraw_share(page.session, viewer=page.viewer, plan=plan, by=page.viewer.username or "?",
                           via="portal", based_on=based_on)
        else:
            share_plan(page.session, viewer=page.viewer, plan=plan, networks=networks, providers=providers,
                       items=items or None, by=page.viewer.username or "?", via="portal", based_on=based_on)
        page.session.commit()
    except (InvalidInput, Conflict) as exc:
        page.session.rollback()
        context = _plan_context(page, search, state, None)
        return page.render("plan.html", {**context, "share_error": exc.message},
                           status_code=409 if isinstance(exc, Conflict) else 422)
    return RedirectResponse(f"/plans/{state}#sharing", status_code=303)
