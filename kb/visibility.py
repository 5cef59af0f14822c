"""The one visibility rule of the knowledge base, and the one anonymisation rule.

Every path that returns practices, or anything derived from them, filters with `visible_to` and decides
whether to show the host state with `host_shown_to`. Both are SQL expressions over `Practice`, so a
withdrawal or a membership change takes effect on the very next query.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlmodel import col

from kb.models import Attribution, Authorisation, AuthorisationNetwork, Practice, Scope, Status
from kb.viewer import Viewer


def in_force() -> ColumnElement[bool]:
    """Return the condition that an authorisation is the decision in force (at most one per practice)."""
    return and_(col(Authorisation.withdrawn_at).is_(None), col(Authorisation.superseded_at).is_(None))


def _in_force() -> ColumnElement[bool]:
    return and_(col(Authorisation.practice_id) == col(Practice.id), in_force())


def _own_state(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.state_code is None:
        return false()
    return col(Practice.host_state_code) == viewer.state_code


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Return the condition under which `viewer` may see a practice.

    A user sees a practice if and only if they are secretariat, or it is about their own state, or it is
    published with an authorisation in force whose scope is public or names a network they belong to.
    """
    if viewer.is_secretariat:
        return true()
    shared_with_viewer: ColumnElement[bool] = col(Authorisation.scope) == Scope.public
    if viewer.network_ids:
        names_viewer_network = exists(
            select(col(AuthorisationNetwork.network_id)).where(
                col(AuthorisationNetwork.authorisation_id) == col(Authorisation.id),
                col(AuthorisationNetwork.network_id).in_(sorted(viewer.network_ids)),
            )
        )
        shared_with_viewer = or_(
            shared_with_viewer, and_(col(Authorisation.scope) == Scope.networks, names_viewer_network)
        )
    published_and_shared = and_(
        col(Practice.status) == Status.published,
        exists(select(col(Authorisation.id)).where(_in_force(), shared_with_viewer)),
    )
    return or_(_own_state(viewer), published_and_shared)


def host_shown_to(viewer: Viewer) -> ColumnElement[bool]:
    """Return the condition under which `viewer` may see a practice's host state.

    Only the secretariat and the host itself see the host of a practice that is not attributed by name.
    """
    if viewer.is_secretariat:
        return true()
    attributed_by_name = exists(
        select(col(Authorisation.id)).where(_in_force(), col(Authorisation.attribution) == Attribution.named)
    )
    return or_(_own_state(viewer), attributed_by_name)


def sees_as_host(viewer: Viewer, host_state_code: str) -> bool:
    """Tell whether the viewer sees a practice as its host does: its decisions, its own reference, its raw text.

    The secretariat and the host state's own users; everyone else sees at most what the host shared.
    """
    return viewer.is_secretariat or (viewer.state_code is not None and viewer.state_code == host_state_code)
