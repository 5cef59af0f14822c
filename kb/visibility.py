"""The one visibility rule of the knowledge base, and the one anonymisation rule.

Every path that returns practices, or anything derived from them, filters with `visible_to` and decides
whether to show the host state with `host_shown_to`. Both are SQL expressions over `Practice`, so a
withdrawal or a membership change takes effect on the very next query.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlmodel import col

from kb.models import (
    Attribution,
    Authorisation,
    AuthorisationNetwork,
    Finding,
    Mission,
    Plan,
    PlanItem,
    PlanShare,
    PlanShareItem,
    PlanShareNetwork,
    PlanShareProvider,
    PlanVersion,
    Practice,
    Scope,
    Status,
)
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


# -- missions, findings and plans -------------------------------------------------------------------------------


def missions_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Return the condition under which `viewer` may see a mission: its host state and the secretariat, always."""
    if viewer.is_secretariat:
        return true()
    if viewer.state_code is None:
        return false()
    return col(Mission.host_state_code) == viewer.state_code


def findings_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Return the condition under which `viewer` may see a finding: that of its mission; nothing widens it.

    Recommendations and suggestions are the host's needs; no authorisation, share or network reaches them.
    A good-practice finding reaches others only as the practice entry made from it, under `visible_to`.
    """
    if viewer.is_secretariat:
        return true()
    return col(Finding.mission_id).in_(select(col(Mission.id)).where(missions_visible_to(viewer)))


def finding_note_shown_to(viewer: Viewer) -> bool:
    """Tell whether the viewer may read the secretariat's note on a finding (the secretariat only)."""
    return viewer.is_secretariat


def _share_in_force() -> ColumnElement[bool]:
    return and_(col(PlanShare.plan_id) == col(Plan.id), col(PlanShare.withdrawn_at).is_(None),
                col(PlanShare.superseded_at).is_(None))


def _share_names_viewer(viewer: Viewer) -> ColumnElement[bool]:
    audiences: list[ColumnElement[bool]] = []
    if viewer.network_ids:
        audiences.append(exists(select(col(PlanShareNetwork.network_id)).where(
            col(PlanShareNetwork.share_id) == col(PlanShare.id),
            col(PlanShareNetwork.network_id).in_(sorted(viewer.network_ids)))))
    if viewer.provider_ids:
        audiences.append(exists(select(col(PlanShareProvider.provider_id)).where(
            col(PlanShareProvider.share_id) == col(PlanShare.id),
            col(PlanShareProvider.provider_id).in_(sorted(viewer.provider_ids)))))
    return or_(*audiences) if audiences else false()


def _own_plan(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.state_code is None:
        return false()
    return col(Plan.state_code) == viewer.state_code


def plans_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Return the condition under which `viewer` may see a plan (at least some of its items).

    Its state, the secretariat, and the audiences (networks, assistance providers) of the share in force.
    """
    if viewer.is_secretariat:
        return true()
    if viewer.is_public:
        return false()
    shared = exists(select(col(PlanShare.id)).where(_share_in_force(), _share_names_viewer(viewer)))
    return or_(_own_plan(viewer), shared)


def plan_edited_by(viewer: Viewer, state_code: str) -> bool:
    """Tell whether the viewer may change a plan: its state's focal points and the secretariat."""
    return viewer.is_secretariat or (viewer.is_focal_point and viewer.state_code == state_code)


def plan_items_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """Return the condition under which `viewer` may see a plan item.

    Its state and the secretariat see every item; a share's audience sees the items the share in force covers:
    every item of the plan, or the chosen ones.
    """
    if viewer.is_secretariat:
        return true()
    if viewer.is_public:
        return false()
    plan_of_item = (select(col(PlanVersion.plan_id)).where(col(PlanVersion.id) == col(PlanItem.version_id))
                    .correlate(PlanItem).scalar_subquery())
    own = (col(PlanItem.version_id).in_(select(col(PlanVersion.id)).join(Plan, col(Plan.id) == col(PlanVersion.plan_id))
                                        .where(_own_plan(viewer)))
           if viewer.state_code is not None else false())
    chosen = (select(col(PlanShareItem.item_id))
              .where(col(PlanShareItem.share_id) == col(PlanShare.id), col(PlanShareItem.item_id) == col(PlanItem.id))
              .correlate(PlanShare, PlanItem).exists())
    covered = or_(col(PlanShare.whole_plan).is_(True), chosen)
    shared = (select(col(PlanShare.id))
              .where(col(PlanShare.plan_id) == plan_of_item, col(PlanShare.withdrawn_at).is_(None),
                     col(PlanShare.superseded_at).is_(None), _share_names_viewer(viewer), covered)
              .correlate(PlanItem).exists())
    return or_(own, shared)


def plan_shown_whole_to(viewer: Viewer, state_code: str) -> bool:
    """Tell whether the viewer sees a plan as its state does: findings' text, matches' marks, sharing, history."""
    return viewer.is_secretariat or (viewer.state_code is not None and viewer.state_code == state_code)
