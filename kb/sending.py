"""Deliver what is due: each alert evaluated as its recipient at sending time, sent once even from several machines.

Each alert is delivered in its own transaction that holds the alert's lock (`SELECT … FOR UPDATE SKIP LOCKED` on
PostgreSQL, so another machine moves on to the next alert; the write lock on SQLite, so another process waits and
then finds nothing new). The message goes to the SMTP server inside that transaction, and what it announced is
recorded only once the server accepted it: a server that is down leaves everything as it was, for the next run.
What is not covered: a crash in the instant between the server's acceptance and the commit sends that message
again on the next run (it carries the same Message-ID, so mail systems that remove duplicates will).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kb.alerts import Finder, Match, filters_of, is_due, manage_token, mark_announced, new_matches, record_delivery
from kb.config import Settings
from kb.digest import SHOWN, Digest, compose
from kb.identifying import IdentifyingTerms
from kb.mail import Mailer, MailError
from kb.models import Alert, AlertKind, AlertProfile, Frequency, Practice, User, utcnow
from kb.notices import (
    NOTICE_KINDS,
    Progress,
    ensure_notice_alerts,
    new_notices,
    notices_on,
    progress_of,
    record_progress,
)
from kb.projection import Projection, practices_by_id
from kb.queries import tags_by_practice
from kb.viewer import viewer_for
from kb.visibility import sees_as_host

log = logging.getLogger("kb.alerts")

WATCHED = (AlertKind.search, AlertKind.topic)


class Outcome(StrEnum):
    sent = "sent"
    nothing_new = "nothing_new"
    failed = "failed"
    skipped = "skipped"  # not due, paused, no address, a deactivated user, or another process has it


@dataclass
class SendReport:
    """What one run did, alert by alert."""

    outcomes: dict[str, int]

    def count(self, outcome: Outcome) -> int:
        return self.outcomes.get(outcome, 0)

    def summary(self) -> str:
        return ", ".join(f"{self.count(o)} {o.value.replace('_', ' ')}" for o in Outcome)


@dataclass(frozen=True)
class Sender:
    """Everything one run needs: the database, the search as the recipient, the terms, the mail server."""

    engine: Engine
    finder: Finder
    terms: Callable[[Session], IdentifyingTerms]
    mailer: Mailer
    settings: Settings

    def send_due(self, now: datetime | None = None) -> SendReport:
        """Deliver every alert that is due; return how each went."""
        now = now or utcnow()
        report = SendReport(outcomes={})
        try:
            with Session(self.engine) as session, session.begin():
                ensure_notice_alerts(session)
        except IntegrityError:
            pass  # another sender made them at the same moment
        for alert_id in self._candidates():
            outcome = self.send_one(alert_id, now)
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1
        return report

    def _candidates(self) -> list[int]:
        with Session(self.engine) as session:
            statement = (select(Alert.id).join(User, col(User.id) == col(Alert.user_id))
                         .where(col(Alert.kind).in_(WATCHED + NOTICE_KINDS), Alert.frequency != Frequency.paused,
                                col(User.is_active).is_(True))
                         .order_by(col(Alert.id)))
            return [int(i or 0) for i in session.exec(statement)]

    def send_one(self, alert_id: int, now: datetime) -> Outcome:
        """Deliver one alert if it is due and something is new for its recipient; hold its lock throughout."""
        with Session(self.engine, expire_on_commit=False) as session:
            if not _lock(session, alert_id):
                return Outcome.skipped
            alert = session.get(Alert, alert_id, populate_existing=True)
            user = session.get(User, alert.user_id, populate_existing=True) if alert is not None else None
            profile = session.get(AlertProfile, alert.user_id) if alert is not None else None
            if alert is None or user is None or not user.is_active or not is_due(alert, now) \
                    or profile is None or not profile.email:
                session.rollback()
                return Outcome.skipped
            viewer = viewer_for(session, user)
            progress: Progress | None = None
            reasons: dict[int, str] = {}
            if alert.kind in NOTICE_KINDS:
                if not notices_on(session, user):
                    session.rollback()
                    return Outcome.skipped
                notices, progress = new_notices(session, alert=alert, user=user, viewer=viewer, now=now)
                reasons = {n.practice_id: n.reason for n in notices}
                hosts = dict(session.exec(select(Practice.id, Practice.host_state_code)
                                          .where(col(Practice.id).in_(list(reasons)))).all()) if reasons else {}
                fresh = [Match(pid, sees_as_host(viewer, hosts[pid])) for pid in reasons if pid in hosts]
            else:
                fresh = new_matches(session, alert=alert, viewer=viewer, finder=self.finder)
            if not fresh:
                if progress is not None and progress != progress_of(alert):
                    record_progress(alert, progress)  # nothing for this recipient in these events: not again
                    session.add(alert)
                    session.commit()
                else:
                    session.rollback()  # an empty digest is not sent
                return Outcome.nothing_new
            ids = [m.practice_id for m in fresh]
            rows = practices_by_id(session, ids)
            shown = fresh[:SHOWN]
            tags = tags_by_practice(session, [m.practice_id for m in shown])
            projection = Projection(viewer, self.terms(session))
            entries = [projection.summary(rows[m.practice_id], tags[m.practice_id], host_shown=m.host_shown)
                       for m in shown]
            public_ids = [rows[pid].public_id for pid in ids]
            secret = self.settings.session_key()
            manage_url = f"{self.settings.public_url.rstrip('/')}/alerts/manage/{manage_token(alert, secret)}"
            message = compose(Digest(alert=alert, filters=filters_of(alert), entries=entries,
                                     more=len(fresh) - len(shown),
                                     reasons={rows[m.practice_id].public_id: reasons[m.practice_id]
                                              for m in shown if m.practice_id in reasons}),
                              to=profile.email, sender=self.settings.mail_from, portal=self.settings.public_url,
                              manage_url=manage_url)
            try:
                self.mailer.send(message)
            except MailError as exc:
                session.rollback()
                log.warning("alert %s for %s not sent, retried next run: %s", alert.public_id, user.username, exc)
                with Session(self.engine) as logging_session, logging_session.begin():
                    record_delivery(logging_session, alert=alert, user=user, recipient=profile.email,
                                    practices=public_ids, result=Outcome.failed, detail=str(exc))
                return Outcome.failed
            if progress is None:
                mark_announced(session, alert, ids)
            else:
                record_progress(alert, progress)
            alert.last_delivered_at = now
            session.add(alert)
            record_delivery(session, alert=alert, user=user, recipient=profile.email, practices=public_ids,
                            result=Outcome.sent)
            session.commit()
            return Outcome.sent


def _lock(session: Session, alert_id: int) -> bool:
    """Take the alert's lock for this transaction; False when another process holds it (PostgreSQL) or it is gone.

    On SQLite the write lock is taken by the first write, so the lock is a write that changes nothing; it must be
    the transaction's first statement, as a read transaction cannot become a write one once another has written.
    """
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(text("SELECT id FROM alert WHERE id = :id FOR UPDATE SKIP LOCKED"),
                              {"id": alert_id}).first()
        return row is not None
    result = session.execute(text("UPDATE alert SET seen_event_id = seen_event_id WHERE id = :id"), {"id": alert_id})
    return bool(getattr(result, "rowcount", 0))
