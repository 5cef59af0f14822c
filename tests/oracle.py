"""The one rule of docs/design.md stated again in plain Python, independently of kb.visibility: the tests' oracle.

A user sees a practice if and only if they are secretariat, or it is about their own state, or it is published
with a decision in force whose scope is public or names a network they belong to. Anonymous attribution hides
the host from everyone but the host and the secretariat.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from kb.models import Authorisation, AuthorisationNetwork, Network, Practice
from kb.viewer import Viewer


@dataclass(frozen=True)
class Asker:
    """Who asks, as the rule needs them: None is the public."""

    secretariat: bool = False
    state: str | None = None
    networks: frozenset[str] = frozenset()  # network codes, through the state or admitted directly


@dataclass(frozen=True)
class Entry:
    """A practice, as the rule needs it: its host, status and the decision in force (scope None: none)."""

    host: str
    status: str
    scope: str | None = None
    networks: frozenset[str] = frozenset()
    attribution: str | None = None


def sees(asker: Asker | None, entry: Entry) -> bool:
    if asker is not None and (asker.secretariat or (asker.state is not None and asker.state == entry.host)):
        return True
    if entry.status != "published" or entry.scope is None:
        return False
    if entry.scope == "public":
        return True
    return entry.scope == "networks" and asker is not None and bool(entry.networks & asker.networks)


def sees_host(asker: Asker | None, entry: Entry) -> bool:
    if asker is not None and (asker.secretariat or (asker.state is not None and asker.state == entry.host)):
        return True
    return entry.scope is not None and entry.attribution == "named"


def asker_of(session: Session, viewer: Viewer) -> Asker | None:
    """Return the asker a viewer is (their network codes read back from the ids)."""
    if viewer.is_public:
        return None
    codes = set(session.exec(select(Network.code).where(col(Network.id).in_(sorted(viewer.network_ids))))) \
        if viewer.network_ids else set()
    return Asker(secretariat=viewer.is_secretariat, state=viewer.state_code, networks=frozenset(codes))


def entries_of(session: Session) -> dict[int, Entry]:
    """Return every practice as an entry, read straight from the tables (not through kb.visibility)."""
    found: dict[int, Entry] = {}
    for practice in session.exec(select(Practice)):
        current = session.exec(select(Authorisation).where(
            Authorisation.practice_id == practice.id, col(Authorisation.withdrawn_at).is_(None),
            col(Authorisation.superseded_at).is_(None))).first()
        networks: set[str] = set()
        if current is not None:
            networks = set(session.exec(select(Network.code).join(AuthorisationNetwork).where(
                AuthorisationNetwork.authorisation_id == current.id)))
        found[practice.id or 0] = Entry(
            host=practice.host_state_code, status=str(practice.status),
            scope=str(current.scope) if current is not None else None, networks=frozenset(networks),
            attribution=str(current.attribution) if current is not None else None,
        )
    return found


# -- missions, findings and plans ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanAsker:
    """Who asks about plans: as `Asker`, with the assistance providers they work for."""

    asker: Asker | None
    providers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ShareInForce:
    """The share in force of a plan: its audiences and chosen items (None: the whole plan)."""

    networks: frozenset[str]
    providers: frozenset[str]
    items: frozenset[int] | None


def sees_mission(asker: Asker | None, host: str) -> bool:
    """A mission and every finding of it: its host state and the secretariat, nobody else, ever."""
    return asker is not None and (asker.secretariat or asker.state == host)


def sees_plan_item(who: PlanAsker, state: str, share: ShareInForce | None, item: int) -> bool:
    if sees_mission(who.asker, state):
        return True
    if who.asker is None or share is None:
        return False
    named = bool(share.networks & who.asker.networks) or bool(share.providers & who.providers)
    return named and (share.items is None or item in share.items)
