"""Saved searches and followed topics: what is new for their recipient, always as the recipient sees it now.

"New" is not keyed to a date. Each alert keeps the set of practices already announced to its recipient; a practice
is new when it matches the alert, is visible to the recipient at the moment of sending (kb.visibility, through the
product's search) and is not in that set. So an entry whose audience widens later reaches exactly the newly
entitled, a withdrawn one is never announced, and a user who left a network stops receiving its entries.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from itsdangerous import BadSignature, Signer, URLSafeSerializer
from sqlmodel import Session, col, select

from kb.db import in_chunks
from kb.errors import InvalidInput, NotFound, Problem
from kb.models import Alert, AlertAnnounced, AlertDelivery, AlertKind, AlertProfile, Frequency, User, utcnow
from kb.queries import Filters, filter_problems
from kb.viewer import Viewer
from kb.vocabulary import Vocabulary

ALERT_NOT_FOUND = "alert not found"
NAME_LENGTH = 200
FEED_SALT = "kb.feed"
INTERVALS = {Frequency.asap: timedelta(0), Frequency.daily: timedelta(days=1), Frequency.weekly: timedelta(days=7)}


@dataclass(frozen=True)
class Match:
    """A practice that matches an alert for its recipient, and whether the recipient may see its host."""

    practice_id: int
    host_shown: bool


class Finder(Protocol):
    """The product's search, as the viewer: every practice matching the query and filters, best first."""

    def __call__(self, session: Session, viewer: Viewer, query: str, filters: Filters) -> list[Match]: ...


class AlertError(InvalidInput):
    """An alert that cannot be saved as given."""


def filters_data(filters: Filters) -> dict[str, Any]:
    """Return the filters as stored with an alert (only the fields that narrow something)."""
    return {name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(filters).items() if value not in ((), None)}


def filters_of(alert: Alert) -> Filters:
    """Return the stored filters of an alert."""
    stored = alert.filters or {}

    def terms(name: str) -> tuple[str, ...]:
        return tuple(str(v) for v in stored.get(name) or ())

    def year(name: str) -> int | None:
        value = stored.get(name)
        return int(value) if value is not None else None

    return Filters(domain=terms("domain"), sector=terms("sector"), topic=terms("topic"), kind=terms("kind"),
                   host_state=terms("host_state"), year_from=year("year_from"), year_to=year("year_to"))


def _check(name: str, frequency: str, filters: Filters, vocabularies: dict[str, Vocabulary]) -> list[Problem]:
    problems = filter_problems(filters, vocabularies)
    if not name.strip():
        problems.append(Problem("name", "give the alert a name, e.g. the problem in a few words", name))
    elif len(name) > NAME_LENGTH:
        problems.append(Problem("name", f"at most {NAME_LENGTH} characters (this one has {len(name)})", name[:40]))
    if frequency not in Frequency.__members__:
        problems.append(Problem("frequency", f"choose one of {', '.join(Frequency)}", frequency))
    return problems


def save_search(
    session: Session, *, user: User, viewer: Viewer, name: str, query: str, filters: Filters, frequency: str,
    finder: Finder, vocabularies: dict[str, Vocabulary], kind: AlertKind = AlertKind.search,
) -> Alert:
    """Save a search (or follow a topic) under a name; what it finds now counts as already seen."""
    problems = _check(name, frequency, filters, vocabularies)
    if kind == AlertKind.search and not query.strip() and filters.is_empty():
        problems.append(Problem("q", "describe a problem or choose a filter: an alert on everything is no alert"))
    if problems:
        raise AlertError(problems)
    alert = Alert(user_id=user.id or 0, kind=kind, name=name.strip(), query=query.strip(),
                  filters=filters_data(filters), frequency=Frequency(frequency))
    session.add(alert)
    session.flush()
    mark_announced(session, alert, [m.practice_id for m in finder(session, viewer, alert.query, filters)])
    return alert


def follow_topic(
    session: Session, *, user: User, viewer: Viewer, topic: str, frequency: str, finder: Finder,
    vocabularies: dict[str, Vocabulary],
) -> Alert:
    """Follow a topic: be told of practices newly visible under it."""
    vocabulary = vocabularies["topic"]
    if topic not in vocabulary.terms:
        raise AlertError([vocabulary.unknown_term("topic", topic)])
    existing = session.exec(select(Alert).where(Alert.user_id == user.id, Alert.kind == AlertKind.topic)).all()
    for alert in existing:
        if filters_of(alert).topic == (topic,):
            return alert
    return save_search(session, user=user, viewer=viewer, name=vocabulary.terms[topic].label, query="",
                       filters=Filters(topic=(topic,)), frequency=frequency, finder=finder,
                       vocabularies=vocabularies, kind=AlertKind.topic)


def alerts_of(session: Session, user: User) -> list[Alert]:
    """Return a user's alerts, newest first."""
    statement = select(Alert).where(Alert.user_id == user.id).order_by(col(Alert.created_at).desc(),
                                                                       col(Alert.public_id))
    return list(session.exec(statement))


def alert_of(session: Session, user: User, public_id: str) -> Alert:
    """Return one of the user's alerts; NotFound for another user's, as for a missing one."""
    alert = session.exec(select(Alert).where(Alert.public_id == public_id, Alert.user_id == user.id)).first()
    if alert is None:
        raise NotFound(ALERT_NOT_FOUND)
    return alert


def set_frequency(session: Session, *, alert: Alert, frequency: str) -> Alert:
    """Change how often an alert is delivered (paused: never, until changed again)."""
    if frequency not in Frequency.__members__:
        raise AlertError([Problem("frequency", f"choose one of {', '.join(Frequency)}", frequency)])
    alert.frequency = Frequency(frequency)
    session.add(alert)
    session.flush()
    return alert


def delete_alert(session: Session, *, alert: Alert) -> None:
    """Delete an alert and what it announced (its delivery log stays)."""
    session.delete(alert)
    session.flush()


def is_due(alert: Alert, now: datetime) -> bool:
    """Tell whether an alert may be delivered now (its interval since the last delivery has passed)."""
    if alert.frequency == Frequency.paused:
        return False
    last = alert.last_delivered_at
    if last is None:
        return True
    if last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    return now - last >= INTERVALS[Frequency(alert.frequency)]


def announced_ids(session: Session, alert: Alert) -> set[int]:
    """Return the practices already announced to this alert's recipient."""
    return set(session.exec(select(AlertAnnounced.practice_id).where(AlertAnnounced.alert_id == alert.id)))


def mark_announced(session: Session, alert: Alert, practice_ids: Sequence[int]) -> None:
    """Add practices to the alert's announced set (those already in it are left alone)."""
    already = announced_ids(session, alert)
    now = utcnow()
    for practice_id in dict.fromkeys(practice_ids):
        if practice_id not in already:
            session.add(AlertAnnounced(alert_id=alert.id or 0, practice_id=practice_id, at=now))
    session.flush()


def new_matches(session: Session, *, alert: Alert, viewer: Viewer, finder: Finder) -> list[Match]:
    """Return what matches the alert for its recipient now and was not announced to them yet, best first."""
    seen = announced_ids(session, alert)
    return [m for m in finder(session, viewer, alert.query, filters_of(alert)) if m.practice_id not in seen]


def record_delivery(session: Session, *, alert: Alert, user: User, recipient: str, practices: Sequence[str],
                    result: str, detail: str = "") -> AlertDelivery:
    """Log one delivery attempt (recipient, alert, practices by public id, time, result)."""
    delivery = AlertDelivery(alert_id=alert.id, user_id=user.id, recipient=recipient, alert_name=alert.name,
                             practices=list(practices), result=result, detail=detail[:1000])
    session.add(delivery)
    session.flush()
    return delivery


def deliveries_of(session: Session, alert: Alert, *, limit: int = 20) -> list[AlertDelivery]:
    """Return the latest delivery attempts of an alert."""
    statement = (select(AlertDelivery).where(AlertDelivery.alert_id == alert.id)
                 .order_by(col(AlertDelivery.at).desc(), col(AlertDelivery.id).desc()).limit(limit))
    return list(session.exec(statement))


# -- a user's alert settings: the address, the feed token, decision notices -------------------------------------


def profile_of(session: Session, user: User) -> AlertProfile:
    """Return the user's alert settings, created empty on first use."""
    profile = session.get(AlertProfile, user.id)
    if profile is None:
        profile = AlertProfile(user_id=user.id or 0)
        session.add(profile)
        session.flush()
    return profile


def set_email(session: Session, *, user: User, email: str) -> AlertProfile:
    """Set where the user's alerts are mailed."""
    email = email.strip()
    if email and ("@" not in email or len(email) > 320 or any(c.isspace() for c in email)):
        raise AlertError([Problem("email", "not an e-mail address (name@example.org)", email[:80])])
    profile = profile_of(session, user)
    profile.email = email
    session.add(profile)
    session.flush()
    return profile


def set_decision_notices(session: Session, *, user: User, enabled: bool) -> AlertProfile:
    """Switch the user's decision notices on or off."""
    profile = profile_of(session, user)
    profile.decision_notices = enabled
    session.add(profile)
    session.flush()
    return profile


def feed_token(profile: AlertProfile, secret: str) -> str | None:
    """Return the user's feed token: their feed key, signed (so the database alone does not give it away)."""
    return Signer(secret, salt=FEED_SALT).sign(profile.feed_key).decode() if profile.feed_key else None


def reset_feed_token(session: Session, *, user: User, secret: str) -> str:
    """Give the user a new feed token; every feed URL with the old one answers as a missing page."""
    profile = profile_of(session, user)
    profile.feed_key = secrets.token_urlsafe(18)
    session.add(profile)
    session.flush()
    return feed_token(profile, secret) or ""


def user_for_feed_token(session: Session, token: str, secret: str) -> User | None:
    """Return the active user whose feed token this is; None for an unknown, forged or reset one."""
    try:
        key = Signer(secret, salt=FEED_SALT).unsign(token).decode()
    except BadSignature:
        return None
    profile = session.exec(select(AlertProfile).where(AlertProfile.feed_key == key)).first()
    if profile is None:
        return None
    user = session.get(User, profile.user_id)
    return user if user is not None and user.is_active else None


def alerts_by_ids(session: Session, ids: Sequence[int]) -> list[Alert]:
    found: list[Alert] = []
    for chunk in in_chunks(list(ids)):
        found.extend(session.exec(select(Alert).where(col(Alert.id).in_(chunk))))
    return found


MANAGE_SALT = "kb.alert.manage"


def manage_token(alert: Alert, secret: str) -> str:
    """Return the signed token of a message's link to manage or stop one alert (no sign-in needed)."""
    return URLSafeSerializer(secret, salt=MANAGE_SALT).dumps(alert.public_id)


def alert_for_manage_token(session: Session, token: str, secret: str) -> Alert:
    """Return the alert a signed manage link names; NotFound for a forged token or a deleted alert alike."""
    try:
        public_id = URLSafeSerializer(secret, salt=MANAGE_SALT).loads(token)
    except BadSignature as exc:
        raise NotFound(ALERT_NOT_FOUND) from exc
    alert = session.exec(select(Alert).where(Alert.public_id == str(public_id))).first()
    if alert is None:
        raise NotFound(ALERT_NOT_FOUND)
    return alert
