"""Review missions with their findings: for the host state and the secretariat only."""

from __future__ import annotations

from fastapi import APIRouter

from kb.missions import mission_for, missions_for
from kb.plan_schemas import MissionPublic
from kb.plan_views import mission_public
from web.api.access import Responses, SignedInDep
from web.deps import SessionDep

router = APIRouter(prefix="/missions", tags=["missions"])

ERRORS: Responses = {401: {"description": "not signed in"}, 404: {"description": "no such mission"}}


@router.get("", response_model=list[MissionPublic], responses=ERRORS)
def list_missions(session: SessionDep, viewer: SignedInDep) -> list[MissionPublic]:
    """Return the missions hosted by the caller's state (every mission for the secretariat), without findings."""
    return [mission_public(session, viewer, m, with_findings=False) for m in missions_for(session, viewer)]


@router.get("/{mission_id}", response_model=MissionPublic, responses=ERRORS)
def read_mission(mission_id: str, session: SessionDep, viewer: SignedInDep) -> MissionPublic:
    """Return one mission with its findings."""
    return mission_public(session, viewer, mission_for(session, viewer, mission_id))
