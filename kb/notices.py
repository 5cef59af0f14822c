"""Decision notices: a focal point is told what of their state awaits a decision; the secretariat, what hosts decided.

Read from the append-only audit log after the last event a notice already considered (`Alert.seen_event_id`), and
filtered by the one rule as the recipient (a focal point sees their own state's entries, the secretariat all). Each
recipient has one notice alert of their kind, made on first use; `AlertProfile.decision_notices` switches it off.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from kb.authorisations import current_authorisation
from kb.models import Alert, AlertKind, AlertProfile, AuditEvent, Frequency, Practice, Role, Scope, User
from kb.viewer import Viewer
from kb.visibility import visible_to

NOTICE_KINDS = (AlertKind.awaiting_decision, AlertKind.host_decided)
NAMES = {AlertKind.awaiting_decision: "Practices of your state awaiting your decision",
         AlertKind.host_decided: "Decisions by host states"}
DECISIONS = ("authorisation.grant", "authorisation.refuse", "authorisation.withdraw")
PRACTICE_CHANGES = ("practice.added", "practice.updated")


@dataclass(frozen=True)
class Notice:
    """One practice to tell a recipient about, and why."""

    practice_id: int
    reason: str


def notice_kind(user: User) -> AlertKind | None:
    """Return which decision notices a user receives: focal points and the secretariat; None for readers."""
    if user.role == Role.focal_point and user.state_code:
        return AlertKind.awaiting_decision
    if user.role in (Role.curator, Role.admin):
        return AlertKind.host_decided
    return None


def latest_event_id(session: Session) -> int:
    return int(session.exec(select(func.max(AuditEvent.id))).one() or 0)


def ensure_notice_alerts(session: Session) -> int:
    """Give every active focal point and secretariat member their notice alert (from now on); return how many new."""
    have = set(session.exec(select(Alert.user_id).where(col(Alert.kind).in_(NOTICE_KINDS))))
    latest = latest_event_id(session)
    made = 0
    for user in session.exec(select(User).where(col(User.is_active).is_(True))):
        kind = notice_kind(user)
        if kind is None or user.id in have:
            continue
        session.add(Alert(user_id=user.id or 0, kind=kind, name=NAMES[kind], frequency=Frequency.asap,
                          seen_event_id=latest))
        made += 1
    session.flush()
    return made


def notices_on(session: Session, user: User) -> bool:
    profile = session.get(AlertProfile, user.id)
    return profile is None or profile.decision_notices


def new_notices(session: Session, *, alert: Alert, user: User, viewer: Viewer) -> tuple[list[Notice], int]:
    """Return the notices since the alert's last event, visible to the recipient, and the newest event considered."""
    actions = DECISIONS if alert.kind == AlertKind.host_decided else PRACTICE_CHANGES
    events = list(session.exec(
        select(AuditEvent).where(col(AuditEvent.id) > alert.seen_event_id, col(AuditEvent.action).in_(actions),
                                 AuditEvent.object_type == "practice", AuditEvent.actor != (user.username or ""))
        .order_by(col(AuditEvent.id))))
    if not events:
        return [], alert.seen_event_id
    newest = max(e.id or 0 for e in events)
    references = sorted({e.object_id for e in events})
    practices = {p.external_id: p for p in session.exec(
        select(Practice).where(col(Practice.external_id).in_(references), visible_to(viewer)))}
    found: dict[int, str] = {}
    for event in events:
        practice = practices.get(event.object_id)
        if practice is None or practice.id is None:
            continue
        reason = _reason(session, alert.kind, event, practice, viewer)
        if reason:
            found[practice.id] = reason  # the latest reason for a practice wins
    return [Notice(pid, reason) for pid, reason in found.items()], newest


def _reason(session: Session, kind: AlertKind, event: AuditEvent, practice: Practice, viewer: Viewer) -> str:
    after = event.after or {}
    before = event.before or {}
    if kind == AlertKind.host_decided:
        return f"{practice.host_state_code} decided: {after.get('description', event.action)}"
    if practice.host_state_code != viewer.state_code:
        return ""
    if after.get("status") == "pending" and before.get("status") != "pending":
        return "awaits your decision on sharing"
    current = current_authorisation(session, practice.id or 0)
    if event.action == "practice.updated" and current is not None and current.scope != Scope.host_only \
            and not current.refused:
        return f"edited by {event.actor} after you shared it: check that what you shared still holds"
    return ""
