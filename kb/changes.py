"""The change log: a monotonic sequence of changes that every process's caches catch up from."""

from __future__ import annotations

from sqlalchemy import func, text
from sqlmodel import Session, select

from kb.models import ChangeLog

CHANGE_LOG_LOCK = 0x6B62_6368  # any constant shared by every process of one database


def note_change(session: Session, *, object_type: str, object_id: str | int = "") -> None:
    """Advance the change sequence so cached search data is refreshed on the next request."""
    serialise_changes(session)
    session.add(ChangeLog(object_type=object_type, object_id=str(object_id)))


def serialise_changes(session: Session) -> None:
    """On PostgreSQL, hold a transaction lock so sequence numbers become visible in commit order.

    Without it a transaction that took seq 10 could commit after one that took seq 11, and a process that
    had already caught up to 11 would never see change 10. (SQLite serialises writers by itself.)
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})


def current_change_seq(session: Session) -> int:
    """Return the newest change sequence number (0 for an empty log)."""
    return int(session.exec(select(func.coalesce(func.max(ChangeLog.seq), 0))).one() or 0)
