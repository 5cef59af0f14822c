"""The submission date: set when an entry becomes pending its host's decision, and backfilled by migration 0006."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from sqlmodel.sql.sqltypes import UTCDateTime

from kb import migrate
from kb.db import make_engine
from kb.models import Practice
from kb.practices import upsert_practice
from tests.conftest import BACKENDS, PostgresSchema, sqlite_settings
from tests.factories import make_record


def save(engine: Engine, status: str, **changes: str) -> Practice:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        _, practice = upsert_practice(session, record=make_record("SUB-001", status=status, **changes), actor="test")
        return practice


def test_an_entry_is_submitted_when_it_becomes_pending_and_not_again_while_it_stays(directory_engine: Engine) -> None:
    draft = save(directory_engine, "draft")
    assert draft.submitted_at is None, "a draft has not been submitted"
    submitted = save(directory_engine, "pending")
    assert submitted.submitted_at is not None and submitted.submitted_at >= submitted.created_at
    edited = save(directory_engine, "pending", title="A later edit while the host decides")
    assert edited.submitted_at == submitted.submitted_at, "an edit is not a new submission"
    save(directory_engine, "draft")
    again = save(directory_engine, "pending")
    assert again.submitted_at is not None and again.submitted_at > submitted.submitted_at


def test_an_entry_added_as_pending_is_submitted_as_it_is_created(directory_engine: Engine) -> None:
    practice = save(directory_engine, "pending")
    assert practice.submitted_at == practice.created_at


WHEN = UTCDateTime
PRACTICE = sa.table("practice", *(sa.column(name) for name in (
    "id", "public_id", "external_id", "kind", "title", "summary", "body", "host_state_code", "source_type",
    "source_year", "source_reference", "language", "status", "content_hash", "decision_version")),
    sa.column("references", sa.JSON()), sa.column("created_at", WHEN()), sa.column("updated_at", WHEN()))
EVENT = sa.table("audit_event", sa.column("at", WHEN()), sa.column("actor"), sa.column("action"),
                 sa.column("object_type"), sa.column("object_id"),
                 sa.column("before", sa.JSON()), sa.column("after", sa.JSON()))
CREATED = datetime(2024, 1, 1, tzinfo=UTC)
SUBMITTED = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)


def _practice(row_id: int, external_id: str, status: str) -> dict[str, object]:
    return {"id": row_id, "public_id": f"old{row_id}", "decision_version": 0, "external_id": external_id,
            "kind": "good_practice", "title": "t", "summary": "s",
            "body": "", "host_state_code": "XA", "source_type": "ippas", "source_year": 2020, "source_reference": "",
            "language": "en", "references": [], "status": status, "content_hash": "", "created_at": CREATED,
            "updated_at": CREATED}


def _event(at: datetime, object_id: str, before: str | None, after: str) -> dict[str, object]:
    return {"at": at, "actor": "old", "action": "practice.updated", "object_type": "practice",
            "object_id": object_id, "before": None if before is None else {"status": before},
            "after": {"status": after}}


def test_upgrading_backfills_the_submission_date_from_the_audit_log_else_the_creation_date(tmp_path: Path) -> None:
    for backend in BACKENDS:
        schema = PostgresSchema() if backend == "postgres" else None
        settings = schema.settings(tmp_path / backend) if schema else sqlite_settings(tmp_path)
        engine = make_engine(settings)
        try:
            migrate.upgrade(engine, "0005")
            with engine.begin() as connection:  # what the log holds from before the column existed
                connection.execute(sa.text("INSERT INTO state (code, name) VALUES ('XA', 'Aldoria')"))
                connection.execute(sa.insert(PRACTICE), [_practice(1, "LOGGED", "pending"),
                                                         _practice(2, "UNLOGGED", "pending"),
                                                         _practice(3, "DRAFT", "draft")])
                connection.execute(sa.insert(EVENT), [
                    _event(CREATED, "LOGGED", None, "draft"),
                    _event(SUBMITTED, "LOGGED", "draft", "pending"),
                    _event(datetime(2024, 4, 1, tzinfo=UTC), "LOGGED", "pending", "pending")])
            migrate.upgrade(engine)
            with Session(engine) as session:
                found = {p.external_id: p.submitted_at for p in session.exec(select(Practice))}
            assert found == {"LOGGED": SUBMITTED, "UNLOGGED": CREATED, "DRAFT": None}, backend
        finally:
            engine.dispose()
            if schema is not None:
                schema.drop()
