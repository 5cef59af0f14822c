"""Create or upgrade the database schema with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class MigrationError(RuntimeError):
    """A migration left the database inconsistent; nothing of it was kept."""


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (the newest by default), in one transaction.

    On SQLite a changed table is rebuilt (copied, dropped, renamed): with foreign keys on, dropping the old
    table would delete every row that refers to it by ON DELETE CASCADE. So foreign keys are off while the
    migration runs — a pragma that only takes effect outside a transaction — and checked before it commits.
    """
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise MigrationError(f"the migration to {revision} broke {len(broken)} reference(s), "
                                             f"e.g. {broken[0]}; nothing was changed")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
