"""Helpers for ingest tests: run an ingest, and dump the database to compare before and after."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from index.embedder import Embedder
from ingest.pipeline import IngestReport, ingest_paths
from kb.config import Settings
from kb.vocabulary import load_vocabularies
from tests.factories import writer_for


def run_ingest(engine: Engine, embedder: Embedder | None, *paths: Path, check_only: bool = False,
               actor: str = "ingest") -> IngestReport:
    return ingest_paths(list(paths), engine=engine, writer=writer_for(embedder) if embedder else None,
                        vocabularies=load_vocabularies(Settings().vocabulary_dir), check_only=check_only, actor=actor)


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Return every row of every table, sorted, to compare a database before and after."""
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.connect() as connection:
        return {t: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{t}"'))), key=repr) for t in tables}
