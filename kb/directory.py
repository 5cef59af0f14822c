"""States, networks and who participates in them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlmodel import Session, col, delete, select

from kb import audit
from kb.errors import InvalidInput, Problem
from kb.models import Network, State, StateNetwork, User, UserNetwork


class DirectoryError(InvalidInput):
    """A state, network or membership that cannot be recorded as asked."""


def upsert_state(session: Session, *, code: str, name: str, actor: str) -> State:
    """Add a state, or rename it."""
    code = code.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise DirectoryError(f"state code {code!r} is not an ISO 3166 alpha-2 code (two letters)", field="code",
                             value=code)
    state = session.get(State, code)
    if state is None:
        state = State(code=code, name=name)
        audit.record(session, actor=actor, action="state.add", object_type="state", object_id=code,
                     after={"name": name})
    elif state.name != name:
        audit.record(session, actor=actor, action="state.rename", object_type="state", object_id=code,
                     before={"name": state.name}, after={"name": name})
        state.name = name
    session.add(state)
    session.flush()
    return state


def network_by_code(session: Session, code: str) -> Network | None:
    return session.exec(select(Network).where(Network.code == code)).first()


def upsert_network(session: Session, *, code: str, name: str, description: str = "", actor: str) -> Network:
    """Add a network, or update its name and description."""
    network = network_by_code(session, code)
    before = None if network is None else {"name": network.name, "description": network.description}
    network = network or Network(code=code, name=name)
    network.name = name
    network.description = description
    session.add(network)
    session.flush()
    after = {"name": network.name, "description": network.description}
    if before != after:
        audit.record(session, actor=actor, action="network.save", object_type="network", object_id=code,
                     before=before, after=after)
    return network


def network_states(session: Session, network: Network) -> list[str]:
    return sorted(session.exec(select(StateNetwork.state_code).where(StateNetwork.network_id == network.id)))


def set_network_states(session: Session, *, network: Network, states: Iterable[str], actor: str) -> None:
    """Make exactly these states the participants of a network."""
    wanted = sorted({s.upper() for s in states})
    unknown = [code for code in wanted if session.get(State, code) is None]
    if unknown:
        raise DirectoryError(f"unknown state(s): {', '.join(unknown)}", field="states", value=unknown)
    before = network_states(session, network)
    if before == wanted:
        return
    session.execute(delete(StateNetwork).where(col(StateNetwork.network_id) == network.id))
    for code in wanted:
        session.add(StateNetwork(state_code=code, network_id=network.id or 0))
    session.flush()
    audit.record(session, actor=actor, action="network.participants", object_type="network",
                 object_id=network.code, before={"states": before}, after={"states": wanted})


def set_user_networks(session: Session, *, user: User, codes: Iterable[str], actor: str) -> None:
    """Admit a user directly to exactly these networks."""
    wanted = sorted(set(codes))
    networks = [network_by_code(session, code) for code in wanted]
    unknown = [code for code, n in zip(wanted, networks, strict=True) if n is None]
    if unknown:
        raise DirectoryError(f"unknown network(s): {', '.join(unknown)}", field="networks", value=unknown)
    before = user_network_codes(session, user)
    if before == wanted:
        return
    session.execute(delete(UserNetwork).where(col(UserNetwork.user_id) == user.id))
    for network in networks:
        assert network is not None
        session.add(UserNetwork(user_id=user.id or 0, network_id=network.id or 0))
    session.flush()
    audit.record(session, actor=actor, action="user.networks", object_type="user", object_id=user.username,
                 before={"networks": before}, after={"networks": wanted})


def user_network_codes(session: Session, user: User) -> list[str]:
    return sorted(
        session.exec(
            select(Network.code).join(UserNetwork, col(UserNetwork.network_id) == col(Network.id))
            .where(UserNetwork.user_id == user.id)
        )
    )


def create_network(session: Session, *, code: str, name: str, description: str = "", actor: str) -> Network:
    """Add a new network; a code already in use is refused, so an existing network is never renamed by mistake."""
    code = code.strip().upper()
    problems = []
    if not re.fullmatch(r"[A-Z][A-Z0-9]{1,15}", code):
        problems.append(Problem("code", "use 2 to 16 capital letters or digits, starting with a letter, e.g. MSSN",
                                code))
    elif network_by_code(session, code) is not None:
        problems.append(Problem("code", "a network with this code exists already: choose another code", code))
    if not name.strip():
        problems.append(Problem("name", "write the network's full name"))
    if problems:
        raise DirectoryError(problems)
    return upsert_network(session, code=code, name=name.strip(), description=description.strip(), actor=actor)


def direct_members(session: Session, network: Network) -> list[User]:
    """Return the people admitted to a network directly (not through their state), by username."""
    return list(session.exec(
        select(User).join(UserNetwork, col(UserNetwork.user_id) == col(User.id))
        .where(UserNetwork.network_id == network.id).order_by(col(User.username))
    ))


def admit_person(session: Session, *, network: Network, user: User, admitted: bool, actor: str) -> None:
    """Admit a person to a network directly, or end that admission (their state's participation is unchanged)."""
    codes = set(user_network_codes(session, user))
    codes = codes | {network.code} if admitted else codes - {network.code}
    set_user_networks(session, user=user, codes=codes, actor=actor)
