"""Reading the audit log: the newest events first, narrowed by person, object and date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from kb.models import AuditEvent


@dataclass(frozen=True)
class AuditQuery:
    """What the audit log is narrowed to; empty fields match everything."""

    actor: str = ""
    object_id: str = ""
    object_type: str = ""
    since: date | None = None
    until: date | None = None


def find_events(session: Session, query: AuditQuery, *, limit: int = 50, offset: int = 0) -> list[AuditEvent]:
    """Return audit events matching the query, newest first."""
    statement = select(AuditEvent)
    if query.actor:
        statement = statement.where(AuditEvent.actor == query.actor)
    if query.object_id:
        statement = statement.where(col(AuditEvent.object_id).contains(query.object_id))
    if query.object_type:
        statement = statement.where(AuditEvent.object_type == query.object_type)
    if query.since is not None:
        statement = statement.where(AuditEvent.at >= datetime.combine(query.since, time.min, tzinfo=UTC))
    if query.until is not None:
        end = datetime.combine(query.until + timedelta(days=1), time.min, tzinfo=UTC)
        statement = statement.where(AuditEvent.at < end)
    statement = statement.order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit)
    return list(session.exec(statement))


def actors(session: Session) -> list[str]:
    """Return everyone who appears in the audit log."""
    return sorted(session.exec(select(AuditEvent.actor).distinct()))
