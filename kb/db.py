"""Database engine and sessions for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from kb.config import Settings


def make_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database."""
    if settings.is_sqlite:
        engine = create_engine(
            settings.database_url, connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(settings.database_url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


T = TypeVar("T")


def in_chunks(items: Sequence[T], size: int = 500) -> list[Sequence[T]]:
    """Split a list into chunks of at most `size` (one IN (...) clause each: databases cap their parameters)."""
    return [items[start : start + size] for start in range(0, len(items), size)]
