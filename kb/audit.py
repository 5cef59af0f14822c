"""The append-only audit log and the change log that keeps every process's caches in step."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, select

from kb.models import AuditEvent, ChangeLog


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one audit event and one change-log entry in the caller's transaction."""
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=before,
            after=after,
        )
    )
    note_change(session, object_type=object_type, object_id=object_id)


def note_change(session: Session, *, object_type: str, object_id: str | int = "") -> None:
    """Advance the change sequence so cached search data is refreshed on the next request."""
    _serialise_changes(session)
    session.add(ChangeLog(object_type=object_type, object_id=str(object_id)))


CHANGE_LOG_LOCK = 0x6B62_6368  # any constant shared by every process of one database


def _serialise_changes(session: Session) -> None:
    """On PostgreSQL, hold a transaction lock so sequence numbers become visible in commit order.

    Without it a transaction that took seq 10 could commit after one that took seq 11, and a process that
    had already caught up to 11 would never see change 10. (SQLite serialises writers by itself.)
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})


def current_change_seq(session: Session) -> int:
    """Return the newest change sequence number (0 for an empty log)."""
    return session.exec(select(func.coalesce(func.max(ChangeLog.seq), 0))).one()
