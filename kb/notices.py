"""Decision notices: a focal point is told what of their state awaits a decision; the secretariat, what hosts decided.

Read from the append-only audit log and filtered by the one rule as the recipient (a focal point sees their own
state's entries, the secretariat all). Each recipient has one notice alert of their kind, made on first use;
`AlertProfile.decision_notices` switches it off.

Event ids are not given out in commit order: on PostgreSQL a transaction can take id 7, commit after another took
and committed id 8, so a plain "last id seen" mark would skip 7. So an alert keeps a low-water mark
(`Alert.seen_event_id`: every event up to it was considered) that only moves past events older than `SETTLE`, and
the ids of the newer events already considered (in the alert's `filters` under `CONSIDERED`, as a notice alert has no
filters); each run reads what is above the mark and not yet considered. The assumption, stated in docs/deploy.md: no
transaction that writes the audit log stays open longer than `SETTLE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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
SETTLE = timedelta(minutes=30)  # longer than any transaction that writes the audit log stays open
CONSIDERED = "considered_events"


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


@dataclass(frozen=True)
class Progress:
    """Where an alert is in the audit log: every event up to `mark` considered, and the newer ones considered."""

    mark: int
    considered: frozenset[int]


def progress_of(alert: Alert) -> Progress:
    """Return the alert's place in the audit log."""
    stored = (alert.filters or {}).get(CONSIDERED) or ()
    return Progress(alert.seen_event_id, frozenset(int(i) for i in stored))


def record_progress(alert: Alert, progress: Progress) -> None:
    """Store the alert's place in the audit log (a new dict, so the JSON column is written)."""
    alert.seen_event_id = progress.mark
    alert.filters = {**(alert.filters or {}), CONSIDERED: sorted(progress.considered)}


def new_notices(session: Session, *, alert: Alert, user: User, viewer: Viewer,
                now: datetime) -> tuple[list[Notice], Progress]:
    """Return the notices of events not yet considered, visible to the recipient, and the alert's next place."""
    actions = DECISIONS if alert.kind == AlertKind.host_decided else PRACTICE_CHANGES
    progress = progress_of(alert)
    events = [e for e in session.exec(
        select(AuditEvent).where(col(AuditEvent.id) > progress.mark, col(AuditEvent.action).in_(actions),
                                 AuditEvent.object_type == "practice", AuditEvent.actor != (user.username or ""))
        .order_by(col(AuditEvent.id))) if e.id not in progress.considered]
    settled = int(session.exec(select(func.max(AuditEvent.id)).where(
        col(AuditEvent.id) > progress.mark, col(AuditEvent.at) <= now - SETTLE)).one() or progress.mark)
    considered = progress.considered | {e.id or 0 for e in events}
    following = Progress(settled, frozenset(i for i in considered if i > settled))
    if not events:
        return [], following
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
    return [Notice(pid, reason) for pid, reason in found.items()], following


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
