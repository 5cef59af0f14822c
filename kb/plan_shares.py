"""A state's decisions to share its plan (whole or chosen items) read only, kept as history, one in force at a time.

The same consent discipline as a practice's authorisation (kb.authorisations): each decision takes the plan's
decision lock and checks the version the caller decided on; the database refuses a second share in force
(`uq_plan_share_in_force`); a withdrawal takes effect on the next request, because kb.visibility reads the
share in force on every query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from kb import audit
from kb.authorisations import advance_decision_version, flush_one_in_force, take_decision_lock
from kb.errors import Conflict, InvalidInput, NotAllowed, Problem
from kb.models import (
    Network,
    Plan,
    PlanItem,
    PlanShare,
    PlanShareItem,
    PlanShareNetwork,
    PlanShareProvider,
    PlanVersion,
    Provider,
    ProviderUser,
    User,
    utcnow,
)
from kb.viewer import Viewer
from kb.visibility import plan_edited_by


@dataclass(frozen=True)
class ShareDecision:
    """One share as its state sees it: the row, its audiences and the items it covers (None: the whole plan)."""

    share: PlanShare
    networks: list[str]
    providers: list[str]
    items: list[int] | None

    def describe(self) -> str:
        """Say in plain words what the share lets happen."""
        audience = ", ".join([*self.networks, *self.providers]) or "nobody"
        what = "the whole plan" if self.items is None else f"{len(self.items)} chosen item(s)"
        ended = self.share.withdrawn_at or self.share.superseded_at
        state = "" if ended is None else f" (ended {ended:%-d %b %Y})"
        return f"Shares {what} with {audience}, read only, from {self.share.granted_at:%-d %b %Y}{state}"

    def summary(self) -> dict[str, object]:
        return {"networks": self.networks, "providers": self.providers, "items": self.items,
                "granted_by": self.share.granted_by, "granted_at": self.share.granted_at.isoformat(),
                "withdrawn": self.share.withdrawn_at is not None, "description": self.describe()}


def decision_of(session: Session, share: PlanShare) -> ShareDecision:
    networks = sorted(session.exec(select(Network.code).join(PlanShareNetwork, col(PlanShareNetwork.network_id) == col(
        Network.id)).where(PlanShareNetwork.share_id == share.id)))
    providers = sorted(session.exec(select(Provider.code).join(PlanShareProvider, col(
        PlanShareProvider.provider_id) == col(Provider.id)).where(PlanShareProvider.share_id == share.id)))
    items = None if share.whole_plan else sorted(session.exec(
        select(PlanShareItem.item_id).where(PlanShareItem.share_id == share.id)))
    return ShareDecision(share, networks, providers, items)


def current_share(session: Session, plan: Plan) -> PlanShare | None:
    """Return the share in force for a plan, if any."""
    return session.exec(select(PlanShare).where(PlanShare.plan_id == plan.id, col(PlanShare.withdrawn_at).is_(None),
                                                col(PlanShare.superseded_at).is_(None))).first()


def share_history(session: Session, plan: Plan) -> list[ShareDecision]:
    """Return every share decision of a plan, newest first."""
    shares = session.exec(select(PlanShare).where(PlanShare.plan_id == plan.id)
                          .order_by(col(PlanShare.granted_at).desc(), col(PlanShare.id).desc()))
    return [decision_of(session, s) for s in shares]


def _lock(session: Session, plan: Plan, based_on: int | None) -> None:
    version = take_decision_lock(session, "plan", plan.id or 0)
    if based_on is not None and based_on != version:
        current = current_share(session, plan)
        now = decision_of(session, current).describe() if current else "not shared"
        raise Conflict(f"Another sharing decision on this plan was recorded meanwhile, so yours was not applied. "
                       f"Now: {now}. Review it and decide again.", current={"version": version})
    set_committed_value(plan, "decision_version", advance_decision_version(session, "plan", plan.id or 0, version))


def _may_decide(viewer: Viewer, plan: Plan) -> None:
    if not plan_edited_by(viewer, plan.state_code):
        raise NotAllowed("only the state's focal points decide whether its plan is shared")


def share_plan(
    session: Session, *, viewer: Viewer, plan: Plan, networks: Sequence[str] = (), providers: Sequence[str] = (),
    items: Sequence[int] | None = None, by: str, via: str, based_on: int | None = None,
) -> PlanShare:
    """Share a plan (whole, or the chosen items) read only; the share in force before is superseded, not lost."""
    _may_decide(viewer, plan)
    found_networks = list(session.exec(select(Network).where(col(Network.code).in_(list(networks)))))
    found_providers = list(session.exec(select(Provider).where(col(Provider.code).in_(list(providers)))))
    problems = []
    if not networks and not providers:
        problems.append(Problem("audience", "choose at least one network or assistance provider to share with"))
    if unknown := sorted(set(networks) - {n.code for n in found_networks}):
        problems.append(Problem("networks", f"unknown network(s): {', '.join(unknown)}", unknown))
    if unknown := sorted(set(providers) - {p.code for p in found_providers}):
        problems.append(Problem("providers", f"unknown provider(s): {', '.join(unknown)}", unknown))
    if items is not None:
        own = set(session.exec(select(PlanItem.id).join(PlanVersion, col(PlanVersion.id) == col(PlanItem.version_id))
                               .where(PlanVersion.plan_id == plan.id)))
        if not items:
            problems.append(Problem("items", "choose at least one item, or share the whole plan"))
        if stray := sorted(set(items) - own):
            problems.append(Problem("items", "not items of this plan", stray))
    if problems:
        raise InvalidInput(problems)
    _lock(session, plan, based_on)
    previous = current_share(session, plan)
    before = decision_of(session, previous).summary() if previous is not None else None
    now = utcnow()
    if previous is not None:
        previous.superseded_at = now
        session.add(previous)
    share = PlanShare(plan_id=plan.id or 0, whole_plan=items is None, granted_by=by, granted_at=now, entered_via=via)
    session.add(share)
    flush_one_in_force(session, "plan")
    for network in found_networks:
        session.add(PlanShareNetwork(share_id=share.id or 0, network_id=network.id or 0))
    for provider in found_providers:
        session.add(PlanShareProvider(share_id=share.id or 0, provider_id=provider.id or 0))
    for item_id in sorted(set(items or ())):
        session.add(PlanShareItem(share_id=share.id or 0, item_id=item_id))
    session.flush()
    audit.record(session, actor=by, action="plan_share.grant", object_type="plan", object_id=plan.state_code,
                 before=before, after=decision_of(session, share).summary())
    return share


def withdraw_share(session: Session, *, viewer: Viewer, plan: Plan, by: str, via: str,
                   based_on: int | None = None) -> PlanShare:
    """Withdraw the share in force; its audience stops seeing the plan on the next request."""
    _may_decide(viewer, plan)
    _lock(session, plan, based_on)
    current = current_share(session, plan)
    if current is None:
        raise InvalidInput("the plan is not shared; there is nothing to withdraw", field="action", value="withdraw")
    before = decision_of(session, current).summary()
    current.withdrawn_at = utcnow()
    current.withdrawn_by = by
    session.add(current)
    session.flush()
    audit.record(session, actor=by, action="plan_share.withdraw", object_type="plan", object_id=plan.state_code,
                 before=before, after=decision_of(session, current).summary() | {"via": via})
    return current


def admit_to_provider(session: Session, *, user: User, provider: Provider, actor: str) -> None:
    """Make a user one of an assistance provider's users (idempotent)."""
    if session.get(ProviderUser, (user.id, provider.id)) is None:
        session.add(ProviderUser(user_id=user.id or 0, provider_id=provider.id or 0))
        session.flush()
        audit.record(session, actor=actor, action="provider.admit", object_type="provider", object_id=provider.code,
                     after={"user": user.username})


def upsert_provider(session: Session, *, code: str, name: str, actor: str) -> Provider:
    """Add or rename an assistance-provider organisation."""
    provider = session.exec(select(Provider).where(Provider.code == code)).first()
    if provider is None:
        provider = Provider(code=code, name=name)
        session.add(provider)
        session.flush()
        audit.record(session, actor=actor, action="provider.add", object_type="provider", object_id=code,
                     after={"name": name})
    elif provider.name != name:
        audit.record(session, actor=actor, action="provider.update", object_type="provider", object_id=code,
                     before={"name": provider.name}, after={"name": name})
        provider.name = name
        session.add(provider)
    return provider
