"""The host's decisions through the API: the focal point's practices, authorise, refuse, withdraw."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlmodel import Session

from kb.models import Attribution, Practice, Scope
from kb.queries import find_visible
from kb.schemas import PracticePublic
from kb.viewer import Viewer
from web.actions import NOT_FOUND, our_practices, record_decision, require_focal_point
from web.api.access import SignedInDep, require_api_csrf
from web.api.practices import read_practice
from web.deps import SessionDep

router = APIRouter(tags=["authorisations"], dependencies=[Depends(require_api_csrf)])

NOT_YOURS = "Only the focal point of the practice's host state (or the secretariat) may decide on sharing it."
ERRORS = {401: {"description": "not signed in"}, 403: {"description": NOT_YOURS}, 404: {"description": NOT_FOUND},
          422: {"description": "the decision cannot be recorded as asked"}}


class AuthorisationRequest(BaseModel):
    """Who may see the practice and whether its host state is named."""

    model_config = ConfigDict(extra="forbid")

    scope: Scope = Field(description="host_only, networks (the named networks) or public")
    networks: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, validate_default=True, description="Network codes; only with scope 'networks'")
    attribution: Attribution = Attribution.named

    @field_validator("networks")
    @classmethod
    def _networks_match_scope(cls, networks: list[str], info: ValidationInfo) -> list[str]:
        scope = info.data.get("scope")
        if scope == Scope.networks and not networks:
            raise ValueError("scope 'networks' needs at least one network code")
        if scope is not None and scope != Scope.networks and networks:
            raise ValueError(f"networks can only be named with scope 'networks', not '{scope.value}'")
        return networks


def decidable_practice(session: Session, viewer: Viewer, external_id: str) -> Practice:
    """Return a practice the caller may decide on: 404 when they cannot see it, 403 when they see it only."""
    found = find_visible(session, viewer, external_id=external_id)
    if found is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    practice, _ = found
    host_focal_point = viewer.is_focal_point and viewer.state_code == practice.host_state_code
    if not (viewer.is_secretariat or host_focal_point):
        raise HTTPException(status_code=403, detail=NOT_YOURS)
    return practice


@router.get("/our-practices", response_model=list[PracticePublic], responses=ERRORS)
def list_our_practices(session: SessionDep, viewer: SignedInDep) -> list[PracticePublic]:
    """Return every practice about the focal point's state, whatever its status, with its sharing history."""
    require_focal_point(viewer)
    return [read_practice(p.external_id, session, viewer) for p in our_practices(session, viewer)]


@router.post("/practices/{practice_id}/authorisations", response_model=PracticePublic, status_code=201,
             responses=ERRORS)
def authorise_practice(
    practice_id: str, body: AuthorisationRequest, session: SessionDep, viewer: SignedInDep
) -> PracticePublic:
    """Authorise sharing a practice; it takes effect on the very next request anywhere."""
    practice = decidable_practice(session, viewer, practice_id)
    try:
        record_decision(session, practice=practice, by=viewer.username or "", action="authorise",
                        scope=body.scope, networks=body.networks, attribution=body.attribution)
    except HTTPException as exc:  # the only thing left to refuse is a network code that does not exist
        raise HTTPException(status_code=422, detail=[{"loc": ["body", "networks"], "msg": exc.detail,
                                                      "type": "value_error", "input": body.networks}]) from exc
    session.commit()
    return read_practice(practice_id, session, viewer)


@router.post("/practices/{practice_id}/refusal", response_model=PracticePublic, status_code=201, responses=ERRORS)
def refuse_practice(practice_id: str, session: SessionDep, viewer: SignedInDep) -> PracticePublic:
    """Refuse sharing a practice beyond its host state."""
    practice = decidable_practice(session, viewer, practice_id)
    record_decision(session, practice=practice, by=viewer.username or "", action="refuse")
    session.commit()
    return read_practice(practice_id, session, viewer)


@router.post("/practices/{practice_id}/withdrawal", response_model=PracticePublic, responses=ERRORS)
def withdraw_practice(practice_id: str, session: SessionDep, viewer: SignedInDep) -> PracticePublic:
    """Withdraw the consent in force; the practice stops being shared on the very next request."""
    practice = decidable_practice(session, viewer, practice_id)
    record_decision(session, practice=practice, by=viewer.username or "", action="withdraw")
    session.commit()
    return read_practice(practice_id, session, viewer)
