"""The migrations: one schema on both backends, exactly the tables' models, and repairs made on the way."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import kb.models  # noqa: F401  (registers the tables)
from kb import migrate
from kb.config import Settings
from kb.db import make_engine
from kb.models import Authorisation, Practice
from tests.conftest import BACKENDS, PostgresSchema, sqlite_settings


def test_the_migrated_schema_is_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                SQLModel.metadata) == []


def _at_0001(settings: Settings) -> Engine:
    engine = make_engine(settings)
    migrate.upgrade(engine, "0001")
    return engine


def test_upgrading_repairs_two_decisions_in_force_by_keeping_the_latest(tmp_path: Path) -> None:
    for backend in BACKENDS:
        schema = PostgresSchema() if backend == "postgres" else None
        settings = schema.settings(tmp_path / backend) if schema else sqlite_settings(tmp_path)
        engine = _at_0001(settings)
        try:
            with engine.begin() as connection:  # what the race left behind before this revision
                connection.execute(text("INSERT INTO state (code, name) VALUES ('XA', 'Aldoria')"))
                connection.execute(text(
                    "INSERT INTO practice (id, external_id, kind, title, summary, body, host_state_code, source_type, "
                    "source_year, source_reference, language, \"references\", status, content_hash, created_at, "
                    "updated_at) VALUES (1, 'OLD-1', 'good_practice', 't', 's', '', 'XA', 'ippas', 2020, '', 'en', "
                    "'[]', 'published', '', '2024-01-01', '2024-01-01')"))
                for number, (scope, note, when) in enumerate([("public", "", "2024-01-01"),
                                                             ("networks", "", "2024-01-02"),
                                                             ("host_only", "refused", "2024-01-03")], start=1):
                    connection.execute(text(
                        "INSERT INTO authorisation (id, practice_id, scope, attribution, granted_by, granted_at, note) "
                        "VALUES (:id, 1, :scope, 'named', 'host', :at, :note)"),
                        {"id": number, "scope": scope, "at": when, "note": note})
                connection.execute(text("INSERT INTO authorisation_network (authorisation_id, network_id) "
                                        "SELECT 2, id FROM network"))
                connection.execute(text("INSERT INTO practice_tag (practice_id, vocabulary, term) "
                                        "VALUES (1, 'domain', 'security')"))
                connection.execute(text("INSERT INTO passage (practice_id, position, text, model, dim, vector) "
                                        "VALUES (1, 0, 't. s', 'm', 1, :v)"), {"v": b"\x00\x00\x00\x00"})
            migrate.upgrade(engine)
            with engine.connect() as connection:  # a rebuilt table must not take its children with it (SQLite)
                for table in ("authorisation", "practice_tag", "passage"):
                    assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() >= 1, table
            with Session(engine) as session:
                rows = session.exec(select(Authorisation).order_by(Authorisation.id)).all()
                assert [a.superseded_at is None for a in rows] == [False, False, True]
                assert rows[2].refused and rows[2].note == "" and rows[2].entered_via == "before 0002"
                practice = session.exec(select(Practice)).one()
                assert len(practice.public_id) == 12 and practice.public_id != "OLD-1"
        finally:
            engine.dispose()
            if schema is not None:
                schema.drop()
