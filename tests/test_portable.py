"""`kb export` / `kb import`: SQLite → file → PostgreSQL → file loses nothing, and only empty databases import."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.embedder import Embedder
from index.search import SearchService
from index.service import open_search
from kb import migrate
from kb.accounts import authenticate, issue_token
from kb.config import Settings
from kb.db import make_engine
from kb.models import AuditEvent, User
from kb.portable import PortableError, export_kb, import_kb, non_empty_tables
from kb.viewer import PUBLIC
from tests.conftest import PostgresSchema
from tests.settings import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent


def lines(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def rows_of(items: list[dict], table: str) -> list[dict]:
    return [item["row"] for item in items[1:] if item["table"] == table]


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[tuple[Settings, Engine]]:
    """An empty, migrated PostgreSQL schema."""
    schema = PostgresSchema()
    settings = schema.settings(tmp_path)
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine)
        yield settings, engine
    finally:
        engine.dispose()
        schema.drop()


@pytest.mark.postgres
def test_sqlite_to_file_to_postgres_to_file_loses_nothing(
    demo_engine: Engine, demo_search: SearchService, postgres: tuple[Settings, Engine], embedder: Embedder,
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first.jsonl.gz", tmp_path / "second.jsonl.gz"
    exported = export_kb(demo_engine, first, with_password_hashes=True, with_vectors=True)
    assert exported.rows["practice"] >= 100 and exported.rows["passage"] >= exported.rows["practice"]
    settings, engine = postgres
    imported = import_kb(engine, first, actor="test")
    assert imported.rows == exported.rows
    export_kb(engine, second, with_password_hashes=True, with_vectors=True)

    before, after = lines(first), lines(second)
    assert before[0]["schema_revision"] == after[0]["schema_revision"] == migrate.head_revision()
    audit_after = rows_of(after, "audit_event")
    assert [e["action"] for e in audit_after[len(rows_of(before, "audit_event")):]] == ["kb.import"]
    assert [item for item in after[1:] if item["row"] != audit_after[-1]] == before[1:]
    for table in ("practice", "authorisation", "authorisation_network", "user_network", "state_network"):
        assert rows_of(before, table), table
    opaque = {r["external_id"]: r["public_id"] for r in rows_of(before, "practice")}
    assert opaque == {r["external_id"]: r["public_id"] for r in rows_of(after, "practice")}  # links keep working

    with Session(engine) as session, session.begin():  # passwords, sequences and search still work
        assert authenticate(session, "curator", "demo-password") is not None
        user = session.exec(select(User).where(User.username == "curator")).one()
        issue_token(session, user=user, actor="test")
        newest = session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
        assert newest is not None and newest.action == "token.issue"
    search = open_search(settings, engine, embedder)
    query = "contractors keep propping open the fire door to the source store"
    with Session(engine) as session, Session(demo_engine) as demo:
        on_postgres = search.search(session, PUBLIC, query, limit=5)
        on_sqlite = demo_search.search(demo, PUBLIC, query, limit=5)
    assert [h.practice_id for h in on_postgres.hits] == [h.practice_id for h in on_sqlite.hits]
    assert on_postgres.total == on_sqlite.total > 0


def test_export_leaves_out_password_hashes_tokens_and_vectors_unless_asked(
    demo_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "kb.jsonl"
    export_kb(demo_engine, path)
    items = lines(path)
    assert items[0]["with_password_hashes"] is False and items[0]["with_vectors"] is False
    tables = {item["table"] for item in items[1:]}
    assert "api_token" not in tables and "passage" not in tables and "change_log" not in tables
    assert {row["password_hash"] for row in rows_of(items, "user")} == {""}


def test_import_refuses_a_database_that_is_not_empty(demo_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "kb.jsonl"
    export_kb(demo_engine, path)
    busy = non_empty_tables(demo_engine)
    with pytest.raises(PortableError, match="not empty"):
        import_kb(demo_engine, path)
    assert non_empty_tables(demo_engine) == busy


def test_the_commands_export_and_import_between_backends(
    demo_settings: Settings, postgres: tuple[Settings, Engine], tmp_path: Path
) -> None:
    path = tmp_path / "kb.jsonl"
    settings, _ = postgres

    def kb(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_DATA_DIR": str(tmp_path / "data"),
               "KB_SECRET_KEY": TEST_SECRET_KEY}
        return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)

    exported = kb("export", str(path), database_url=demo_settings.database_url)
    assert exported.returncode == 0, exported.stderr
    assert "exported to" in exported.stdout
    imported = kb("import", str(path), database_url=settings.database_url)
    assert imported.returncode == 0, imported.stderr
    assert "run `kb reindex`" in imported.stdout
    again = kb("import", str(path), database_url=settings.database_url)
    assert again.returncode == 2
    assert "nothing imported: the database is not empty" in again.stderr
