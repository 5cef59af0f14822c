"""Networks and the states that participate in them."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from kb.directory import network_by_code, network_states, set_network_states
from kb.errors import NotFound
from kb.models import Network
from web.api.access import Responses, SecretariatDep, require_api_csrf
from web.deps import SessionDep

router = APIRouter(prefix="/networks", tags=["networks"], dependencies=[Depends(require_api_csrf)])

NETWORK_NOT_FOUND = "network not found"
ERRORS: Responses = {401: {"description": "not signed in"}, 403: {"description": "not the secretariat"},
          404: {"description": NETWORK_NOT_FOUND}}


class NetworkPublic(BaseModel):
    code: str
    name: str
    description: str
    states: list[str]


class ParticipationUpdate(BaseModel):
    """Exactly the states that participate in the network (ISO 3166 alpha-2 codes)."""

    model_config = ConfigDict(extra="forbid")

    states: list[str] = Field(max_length=300)


def _public(session: Session, network: Network) -> NetworkPublic:
    return NetworkPublic(code=network.code, name=network.name, description=network.description,
                         states=network_states(session, network))


def _network(session: Session, code: str) -> Network:
    network = network_by_code(session, code)
    if network is None:
        raise NotFound(NETWORK_NOT_FOUND)
    return network


@router.get("", response_model=list[NetworkPublic], responses=ERRORS)
def list_networks(session: SessionDep, viewer: SecretariatDep) -> list[NetworkPublic]:
    """Return every network with the states that participate in it."""
    return [_public(session, n) for n in session.exec(select(Network).order_by(Network.code))]


@router.get("/{code}", response_model=NetworkPublic, responses=ERRORS)
def read_network(code: str, session: SessionDep, viewer: SecretariatDep) -> NetworkPublic:
    """Return one network with its participating states."""
    return _public(session, _network(session, code))


@router.put("/{code}", response_model=NetworkPublic, responses=ERRORS)
def update_participation(code: str, body: ParticipationUpdate, session: SessionDep,
                         viewer: SecretariatDep) -> NetworkPublic:
    """Make exactly these states the participants of a network; members see the change on their next request."""
    network = _network(session, code)
    set_network_states(session, network=network, states=body.states, actor=viewer.username or "")
    session.commit()
    return _public(session, network)
