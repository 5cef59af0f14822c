"""The host's decisions from the portal and the API: the domain records them, then the index follows.

Only the focal point of the practice's host state decides. A practice shared anonymously gets its passages as
outsiders read them in the same transaction, so it is never ranked by its raw text for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlmodel import Session

from index.search import SearchService
from kb.authorisations import authorise, refuse, withdraw_as_host
from kb.models import Attribution, Practice, Scope
from kb.queries import hosted_practice
from kb.viewer import Viewer
from web.guards import require_focal_point


class Action(StrEnum):
    authorise = "authorise"
    refuse = "refuse"
    withdraw = "withdraw"


def decide(
    session: Session, search: SearchService, viewer: Viewer, *, practice_id: str, action: Action,
    scope: Scope | None = None, networks: Sequence[str] = (), attribution: Attribution | None = None,
    based_on: int | None = None, via: str,
) -> Practice:
    """Record the host's decision on one of its practices (in the caller's transaction)."""
    require_focal_point(viewer)
    practice = hosted_practice(session, viewer, practice_id)
    by = viewer.username or "host"
    if action == Action.authorise:
        codes = sorted(set(networks)) if scope == Scope.networks else []
        authorise(session, practice=practice, scope=scope, network_codes=codes, attribution=attribution, by=by,
                  via=via, based_on=based_on)
    elif action == Action.refuse:
        refuse(session, practice=practice, by=by, via=via, based_on=based_on)
    else:
        withdraw_as_host(session, practice=practice, by=by, via=via, based_on=based_on)
    search.writer.sync(session, [practice])
    return practice
