"""Fixtures of the domain tests: the missions world, loaded once and copied per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from kb.vocabulary import Vocabulary
from tests.missions_world import build_template, copy_world


@pytest.fixture(scope="session")
def missions_template(tmp_path_factory: pytest.TempPathFactory, vocabularies: dict[str, Vocabulary]) -> Path:
    return build_template(tmp_path_factory.mktemp("missions"), vocabularies)


@pytest.fixture
def world(missions_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A fresh copy of the demo directory, practices (unembedded), missions, findings and plans on SQLite."""
    engine = copy_world(missions_template, tmp_path)
    yield engine
    engine.dispose()
