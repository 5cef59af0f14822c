"""The append-only audit log and the change log that keeps every process's caches in step."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
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
    session.add(ChangeLog(object_type=object_type, object_id=str(object_id)))


def current_change_seq(session: Session) -> int:
    """Return the newest change sequence number (0 for an empty log)."""
    return session.exec(select(func.coalesce(func.max(ChangeLog.seq), 0))).one()
