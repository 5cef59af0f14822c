"""The append-only audit log: who did what to which object, when, with before and after; and reading it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from kb.changes import note_change
from kb.models import AuditEvent


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


@dataclass(frozen=True)
class FieldChange:
    """One field of an audited object, as it was before and after (None where it did not exist)."""

    field: str
    before: str | None
    after: str | None


def _flat(value: object, prefix: str = "") -> dict[str, str]:
    """Flatten nested mappings into dotted field names, with each value in words (lists joined, line ends kept)."""
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for key, inner in value.items():
            flat.update(_flat(inner, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(value, list):
        shown = ", ".join(str(v) for v in value) if all(not isinstance(v, dict | list) for v in value) else \
            "; ".join(str(v) for v in value)
        return {prefix: shown or "(none)"}
    if value is None:
        return {prefix: "(none)"}
    if isinstance(value, bool):
        return {prefix: "yes" if value else "no"}
    return {prefix: str(value).replace("\r\n", "\n")}


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """Return the fields that differ between before and after, in the order they first appear."""
    old, new = _flat(before or {}), _flat(after or {})
    names = list(dict.fromkeys([*old, *new]))
    return [FieldChange(name, old.get(name), new.get(name)) for name in names if old.get(name) != new.get(name)]

