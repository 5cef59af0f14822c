"""The host's decisions through the API: the focal point's practices, authorise, refuse, withdraw.

Send `based_on` — the `decision_version` of the practice as you read it — and a decision recorded meanwhile by
someone else (another tab, a double submit) is answered 409 with the decision now in force, never applied on
top of it. Without `based_on`, decisions are applied one after the other.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kb.authorisations import decisions_of, scope_problem
from kb.models import Attribution, Scope
from kb.practices import tags_of
from kb.projection import Projection, practice_view
from kb.queries import NOT_FOUND, our_practices
from kb.schemas import PracticePublic
from web.api.access import Responses, SignedInDep, require_api_csrf
from web.decisions import Action, decide
from web.deps import SearchDep, SessionDep
from web.guards import FOCAL_POINT_ONLY, require_focal_point

router = APIRouter(tags=["authorisations"], dependencies=[Depends(require_api_csrf)])

ERRORS: Responses = {401: {"description": "not signed in"}, 403: {"description": FOCAL_POINT_ONLY},
          404: {"description": NOT_FOUND}, 409: {"description": "another decision was recorded meanwhile"},
          422: {"description": "the decision cannot be recorded as asked"}}
BasedOn = Annotated[int | None, Field(default=None, ge=0, description="The practice's decision_version you decided on")]


class AuthorisationRequest(BaseModel):
    """Who may see the practice and whether its host state is named."""

    model_config = ConfigDict(extra="forbid")

    scope: Scope = Field(description="host_only, networks (the named networks) or public")
    networks: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=list, description="Network codes; only with scope 'networks'")
    attribution: Attribution = Field(description="named, or anonymous (the host state is then named nowhere)")
    based_on: BasedOn = None

    @model_validator(mode="after")
    def _networks_match_scope(self) -> AuthorisationRequest:
        problem = scope_problem(self.scope, self.networks)
        if problem:
            raise ValueError(problem)
        return self


class DecisionRequest(BaseModel):
    """A refusal or a withdrawal; `based_on` as for an authorisation."""

    model_config = ConfigDict(extra="forbid")

    based_on: BasedOn = None


@router.get("/our-practices", response_model=list[PracticePublic], responses=ERRORS)
def list_our_practices(session: SessionDep, viewer: SignedInDep, search: SearchDep) -> list[PracticePublic]:
    """Return every practice about the focal point's state, whatever its status, with its sharing history."""
    require_focal_point(viewer)
    projection = Projection(viewer, search.catalogue.terms)
    return [projection.practice(p, tags_of(session, p.id or 0), host_shown=True, decisions=decisions_of(session, p))
            for p in our_practices(session, viewer)]


def _decided(session: SessionDep, search: SearchDep, viewer: SignedInDep, practice_id: str) -> PracticePublic:
    session.commit()
    return practice_view(session, viewer, search.catalogue.terms, practice_id)


@router.post("/practices/{practice_id}/authorisations", response_model=PracticePublic, status_code=201,
             responses=ERRORS)
def authorise_practice(practice_id: str, body: AuthorisationRequest, session: SessionDep, search: SearchDep,
                       viewer: SignedInDep) -> PracticePublic:
    """Authorise sharing a practice; it takes effect on the very next request anywhere."""
    decide(session, search, viewer, practice_id=practice_id, action=Action.authorise, scope=body.scope,
           networks=body.networks, attribution=body.attribution, based_on=body.based_on, via="api")
    return _decided(session, search, viewer, practice_id)


@router.post("/practices/{practice_id}/refusal", response_model=PracticePublic, status_code=201, responses=ERRORS)
def refuse_practice(practice_id: str, session: SessionDep, search: SearchDep, viewer: SignedInDep,
                    body: Annotated[DecisionRequest | None, Body()] = None) -> PracticePublic:
    """Refuse sharing a practice beyond its host state."""
    decide(session, search, viewer, practice_id=practice_id, action=Action.refuse,
           based_on=body.based_on if body else None, via="api")
    return _decided(session, search, viewer, practice_id)


@router.post("/practices/{practice_id}/withdrawal", response_model=PracticePublic, responses=ERRORS)
def withdraw_practice(practice_id: str, session: SessionDep, search: SearchDep, viewer: SignedInDep,
                      body: Annotated[DecisionRequest | None, Body()] = None) -> PracticePublic:
    """Withdraw the consent in force; the practice stops being shared on the very next request."""
    decide(session, search, viewer, practice_id=practice_id, action=Action.withdraw,
           based_on=body.based_on if body else None, via="api")
    return _decided(session, search, viewer, practice_id)
