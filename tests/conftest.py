"""Shared fixtures: the real model (loaded once), fresh databases on SQLite and PostgreSQL, the demo."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from fixtures.load import load_demo, load_directory
from index.embedder import Embedder, load_embedder
from index.search import SearchService
from index.service import open_search
from kb import migrate
from kb.config import Settings
from kb.db import make_engine
from kb.vocabulary import Vocabulary, load_vocabularies
from tests.factories import settings_for, writer_for
from tests.missions_world import build_template, copy_world
from tests.settings import TestSettings

BACKENDS = ["sqlite", "postgres"]


def postgres_url() -> str:
    """Return the PostgreSQL server for tests (`KB_TEST_POSTGRES_URL`, else the local default)."""
    return TestSettings().postgres_url


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real bundled all-MiniLM-L6-v2, loaded once per test session."""
    return load_embedder("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def vocabularies() -> dict[str, Vocabulary]:
    return load_vocabularies(Settings().vocabulary_dir)


def sqlite_settings(folder: Path) -> Settings:
    return settings_for(f"sqlite:///{folder / 'kb.db'}", folder)


class PostgresSchema:
    """A throwaway schema on the real PostgreSQL server, dropped afterwards."""

    def __init__(self) -> None:
        self.name = f"t_{uuid.uuid4().hex[:12]}"
        self.admin = make_engine(Settings(database_url=postgres_url()))
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))

    def settings(self, folder: Path) -> Settings:
        url = postgres_url() + f"?options=-csearch_path%3D{self.name}"
        return settings_for(url, folder)

    def drop(self) -> None:
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh, migrated database on each backend (SQLite file, PostgreSQL schema)."""
    if request.param == "sqlite":
        settings = sqlite_settings(tmp_path)
        migrate.upgrade(make_engine(settings))
        yield settings
        return
    schema = PostgresSchema()
    settings = schema.settings(tmp_path)
    engine = make_engine(settings)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield settings
    finally:
        schema.drop()


@pytest.fixture
def engine(backend_settings: Settings) -> Iterator[Engine]:
    """A fresh, migrated, empty database on each backend."""
    engine = make_engine(backend_settings)
    yield engine
    engine.dispose()


@pytest.fixture
def directory_engine(engine: Engine) -> Engine:
    """A fresh database with the demo states, networks and users but no practices."""
    load_directory(engine)
    return engine


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return sqlite_settings(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def demo_engine(demo_settings: Settings, embedder: Embedder, vocabularies: dict[str, Vocabulary]) -> Engine:
    """The demo knowledge base on SQLite, loaded once through the real ingest (read-only for tests)."""
    engine = make_engine(demo_settings)
    migrate.upgrade(engine)
    report = load_demo(engine, writer=writer_for(embedder, demo_settings))
    assert report.ok, [str(e) for e in report.errors]
    return engine


@pytest.fixture(scope="session")
def demo_search(demo_settings: Settings, demo_engine: Engine, embedder: Embedder) -> SearchService:
    """The search service over the demo knowledge base."""
    return open_search(demo_settings, demo_engine, embedder)


@pytest.fixture(scope="session")
def missions_template(tmp_path_factory: pytest.TempPathFactory, vocabularies: dict[str, Vocabulary]) -> Path:
    """The demo directory, practices (unembedded), missions, findings and plans, loaded once into a SQLite file."""
    return build_template(tmp_path_factory.mktemp("missions"), vocabularies)


@pytest.fixture
def world(missions_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A fresh copy of the missions world on SQLite, for one test."""
    engine = copy_world(missions_template, tmp_path)
    yield engine
    engine.dispose()
