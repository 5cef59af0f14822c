"""A state's improvement plan: versions, items, matches, marks and shares; CSV export; the needs across states.

Plans are seen by their state and the secretariat, and read only by the audiences of the share in force.
Send `based_on` (the plan's `decision_version` as you read it) with a sharing decision to get 409 instead of
overriding a decision recorded meanwhile.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from kb.errors import InvalidInput, Problem
from kb.models import Mark, Priority
from kb.plan_marks import mark_practice, unmark_practice
from kb.plan_records import FINDING_REFERENCE, ItemFields
from kb.plan_schemas import ItemChangePublic, MatchesPublic, NeedsCell, PlanItemPublic, PlanPublic
from kb.plan_shares import share_plan, withdraw_share
from kb.plan_views import item_public, needs_by_area, plan_public
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
from web.api.access import Responses, SignedInDep, require_api_csrf
from web.deps import SearchDep, SessionDep
from web.plan_export import plan_csv
from web.plan_matching import item_matches
from web.statistics import disclosure_rule

router = APIRouter(prefix="/plans", tags=["plans"], dependencies=[Depends(require_api_csrf)])

ERRORS: Responses = {401: {"description": "not signed in"}, 403: {"description": "a shared plan is read only"},
                     404: {"description": "no such plan or item"}, 409: {"description": "decided meanwhile"},
                     422: {"description": "the change cannot be made as asked"}}


class NewItem(BaseModel):
    """An item from a finding (`finding` alone, or with fields to override) or entered directly (all fields)."""

    model_config = ConfigDict(extra="forbid")

    finding: Annotated[str | None, Field(default=None, pattern=FINDING_REFERENCE)] = None
    fields: ItemFields | None = None
    priority: Priority = Priority.P2


class FollowUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    started: date


class MarkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    practice: str = Field(min_length=1, max_length=80, description="The practice's opaque id")
    mark: Mark | None = Field(description="adopt, consider, or null to remove the mark")


class ShareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    networks: list[Annotated[str, Field(min_length=1, max_length=32)]] = []
    providers: list[Annotated[str, Field(min_length=1, max_length=32)]] = []
    items: list[int] | None = Field(default=None, description="Chosen item ids; null shares the whole plan")
    based_on: int | None = Field(default=None, ge=0)


class WithdrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    based_on: int | None = Field(default=None, ge=0)


def _areas(search: SearchDep) -> Any:
    return search.vocabularies["functional_area"]


@router.get("", response_model=list[str], responses=ERRORS)
def list_plans(session: SessionDep, viewer: SignedInDep) -> list[str]:
    """Return the states whose plan the caller may see."""
    return [p.state_code for p in plans_for(session, viewer)]


@router.get("/needs", response_model=list[NeedsCell], responses=ERRORS)
def read_needs(request: Request, session: SessionDep, viewer: SignedInDep) -> list[NeedsCell]:
    """Return open needs across states by functional area (and topic, with states, for the secretariat).

    Anyone but the secretariat gets counts of states only, for the areas statistics' disclosure control lets through.
    """
    return needs_by_area(session, viewer, rule=disclosure_rule(request))


@router.get("/{state}", response_model=PlanPublic, responses=ERRORS)
def read_plan(state: str, session: SessionDep, viewer: SignedInDep, search: SearchDep,
              version: int | None = None) -> PlanPublic:
    """Return a plan at one version (the latest by default) with the items the caller may see."""
    return plan_public(session, viewer, search.catalogue.terms, plan_for(session, viewer, state), version)


@router.get("/{state}/export.csv", responses=ERRORS)
def export_plan(state: str, session: SessionDep, viewer: SignedInDep, search: SearchDep,
                version: int | None = None) -> Response:
    """Return the plan as CSV: the same items and marks the caller sees on the page."""
    plan = plan_public(session, viewer, search.catalogue.terms, plan_for(session, viewer, state), version)
    name = f"plan-{plan.state}-v{plan.version.version}.csv"
    return Response(plan_csv(plan), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/{state}/items", response_model=PlanItemPublic, status_code=201, responses=ERRORS)
def create_item(state: str, body: NewItem, session: SessionDep, viewer: SignedInDep,
                search: SearchDep) -> PlanItemPublic:
    """Add an item to the latest version: turn a recommendation or suggestion into one, or enter it directly."""
    by = viewer.username or "?"
    if body.finding:
        item = item_from_finding(session, viewer=viewer, reference=body.finding, areas=_areas(search), actor=by,
                                 priority=body.priority)
        if body.fields is not None:
            update_item(session, viewer=viewer, item=item, changes=body.fields.model_dump(), areas=_areas(search),
                        actor=by)
    elif body.fields is not None:
        plan = plan_for(session, viewer, state)
        item = add_item(session, viewer=viewer, version=version_of(session, plan), fields=body.fields,
                        areas=_areas(search), actor=by)
    else:
        raise InvalidInput([Problem("fields", "give a finding (MISSION-ID/NUMBER) or the item's fields")])
    session.commit()
    return item_public(session, viewer, search.catalogue.terms, item, whole=True)


@router.patch("/{state}/items/{item_id}", response_model=PlanItemPublic, responses=ERRORS)
def change_item(state: str, item_id: int, body: dict[str, Any], session: SessionDep, viewer: SignedInDep,
                search: SearchDep) -> PlanItemPublic:
    """Change an item's fields; the change is kept with who and when, and audited."""
    item = item_for(session, viewer, item_id)
    update_item(session, viewer=viewer, item=item, changes=body, areas=_areas(search), actor=viewer.username or "?")
    session.commit()
    return item_public(session, viewer, search.catalogue.terms, item, whole=True)


@router.get("/{state}/items/{item_id}/changes", response_model=list[ItemChangePublic], responses=ERRORS)
def list_item_changes(state: str, item_id: int, session: SessionDep, viewer: SignedInDep) -> list[ItemChangePublic]:
    """Return an item's change history, newest first (the state and the secretariat)."""
    item = item_for(session, viewer, item_id)
    if not plan_shown_whole_to(viewer, plan_of_item(session, item).state_code):
        return []
    return [ItemChangePublic(at=c.at, by=c.by, before=c.before, after=c.after) for c in changes_of(session, item)]


@router.get("/{state}/items/{item_id}/matches", response_model=MatchesPublic, responses=ERRORS)
def list_item_matches(state: str, item_id: int, session: SessionDep, viewer: SignedInDep,
                      search: SearchDep) -> MatchesPublic:
    """Return the top five practices the caller may see that address the item, with their passages."""
    return item_matches(session, search, viewer, item_for(session, viewer, item_id))


@router.post("/{state}/items/{item_id}/marks", response_model=PlanItemPublic, responses=ERRORS)
def mark_item_practice(state: str, item_id: int, body: MarkRequest, session: SessionDep, viewer: SignedInDep,
                       search: SearchDep) -> PlanItemPublic:
    """Mark a practice 'adopt' or 'consider' for an item (null removes the mark)."""
    item = item_for(session, viewer, item_id)
    if body.mark is None:
        unmark_practice(session, viewer=viewer, item=item, public_id=body.practice, actor=viewer.username or "?")
    else:
        mark_practice(session, viewer=viewer, item=item, public_id=body.practice, mark=body.mark,
                      actor=viewer.username or "?")
    session.commit()
    return item_public(session, viewer, search.catalogue.terms, item, whole=True)


@router.post("/{state}/versions", response_model=PlanPublic, status_code=201, responses=ERRORS)
def create_follow_up(state: str, body: FollowUp, session: SessionDep, viewer: SignedInDep,
                     search: SearchDep) -> PlanPublic:
    """Start a follow-up version from the open and in-progress items of the latest one."""
    plan = plan_for(session, viewer, state)
    start_follow_up(session, viewer=viewer, plan=plan, title=body.title, started=body.started,
                    actor=viewer.username or "?")
    session.commit()
    return plan_public(session, viewer, search.catalogue.terms, plan)


@router.post("/{state}/shares", response_model=PlanPublic, status_code=201, responses=ERRORS)
def create_share(state: str, body: ShareRequest, session: SessionDep, viewer: SignedInDep,
                 search: SearchDep) -> PlanPublic:
    """Share the plan (whole, or chosen items) read only with networks or assistance providers."""
    plan = plan_for(session, viewer, state)
    share_plan(session, viewer=viewer, plan=plan, networks=body.networks, providers=body.providers, items=body.items,
               by=viewer.username or "?", via="api", based_on=body.based_on)
    session.commit()
    return plan_public(session, viewer, search.catalogue.terms, plan)


@router.post("/{state}/shares/withdrawal", response_model=PlanPublic, responses=ERRORS)
def withdraw_plan_share(state: str, body: WithdrawRequest, session: SessionDep, viewer: SignedInDep,
                        search: SearchDep) -> PlanPublic:
    """Withdraw the share in force; its audience stops seeing the plan on the next request."""
    plan = plan_for(session, viewer, state)
    withdraw_share(session, viewer=viewer, plan=plan, by=viewer.username or "?", via="api", based_on=body.based_on)
    session.commit()
    return plan_public(session, viewer, search.catalogue.terms, plan)
