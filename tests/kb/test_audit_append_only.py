"""The audit log is append-only: the database refuses changes, and no code or API path attempts one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from kb import audit
from kb.models import AuditEvent
from tests.factories import settings_for
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
CODE_FOLDERS = ("kb", "web", "index", "ingest", "fixtures")
WRITES = re.compile(r"\b(UPDATE\s+\"?audit_event|DELETE\s+FROM\s+\"?audit_event|TRUNCATE\s+\"?audit_event)", re.I)


def add_event(engine: Engine) -> int:
    with Session(engine) as session, session.begin():
        audit.record(session, actor="curator", action="practice.added", object_type="practice", object_id="GP-1",
                     after={"title": "Fence"})
    with Session(engine) as session:
        event = session.exec(select(AuditEvent)).one()
        assert event.id is not None
        return event.id


def events(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT * FROM audit_event ORDER BY id"))]


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET actor = 'someone else' WHERE id = :id",
    "UPDATE audit_event SET after = NULL",
    "DELETE FROM audit_event WHERE id = :id",
    "DELETE FROM audit_event",
])
def test_the_database_refuses_to_change_or_delete_audit_events(engine: Engine, statement: str) -> None:
    event_id = add_event(engine)
    before = events(engine)

    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement), {"id": event_id})

    assert events(engine) == before


def test_the_orm_cannot_edit_or_delete_an_event_either(engine: Engine) -> None:
    add_event(engine)
    before = events(engine)
    with Session(engine) as session:
        event = session.exec(select(AuditEvent)).one()
        event.actor = "someone else"
        session.add(event)
        with pytest.raises(DBAPIError, match="append-only"):
            session.commit()
        session.rollback()
        session.delete(session.exec(select(AuditEvent)).one())
        with pytest.raises(DBAPIError, match="append-only"):
            session.commit()
    assert events(engine) == before


def test_appending_still_works(engine: Engine) -> None:
    add_event(engine)
    with Session(engine) as session, session.begin():
        audit.record(session, actor="curator", action="practice.updated", object_type="practice", object_id="GP-1")
    assert [row[3] for row in events(engine)] == ["practice.added", "practice.updated"]


def _python_files() -> list[Path]:
    return [p for folder in CODE_FOLDERS for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts]


def test_no_code_path_updates_or_deletes_audit_events() -> None:
    offenders: list[str] = []
    for path in _python_files():
        source = path.read_text(encoding="utf-8")
        if WRITES.search(source):
            offenders.append(f"{path}: raw SQL writing audit_event")
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("update", "delete")
                    and any(isinstance(a, ast.Name) and a.id == "AuditEvent" for a in node.args)):
                offenders.append(f"{path}:{node.lineno}: {node.func.id}(AuditEvent)")
    assert len(_python_files()) > 20
    assert offenders == []


def test_the_grep_finds_a_write_when_there_is_one() -> None:
    assert WRITES.search('connection.execute(text("DELETE FROM audit_event WHERE id = 1"))')
    assert WRITES.search("update audit_event set actor = 'x'")
    assert not WRITES.search("INSERT INTO audit_event (actor) VALUES ('x')")


def test_the_api_offers_no_way_to_change_the_audit_log(tmp_path: Path) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'kb.db'}", tmp_path))
    writes = {
        (route.path, method)
        for route in app.routes
        if "audit" in getattr(route, "path", "")
        for method in getattr(route, "methods", set())
        if method in {"PUT", "PATCH", "DELETE", "POST"}
    }
    assert writes == set()
    assert not any("audit" in path and ("put" in ops or "patch" in ops or "delete" in ops)
                   for path, ops in app.openapi()["paths"].items())
