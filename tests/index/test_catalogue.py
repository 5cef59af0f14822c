"""The index is a cache: missing, stale, corrupt or built by another model, it is rebuilt from the database."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from index.embedder import Embedder
from index.service import open_search
from kb.config import Settings


def saved_index(folder: Path) -> Path:
    """Return the index file the manifest names (each writing process saves its own file)."""
    return folder / json.loads((folder / "manifest.json").read_text())["index_file"]


@pytest.fixture
def data_settings(demo_settings: Settings, tmp_path: Path) -> Settings:
    return demo_settings.model_copy(update={"data_dir": tmp_path / "data"})


def test_missing_index_is_built_and_saved_then_reused(
    demo_engine: Engine, data_settings: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="kb.index"):
        first = open_search(data_settings, demo_engine, embedder)
    assert "rebuilding vector index from stored vectors: no saved index" in caplog.text
    assert saved_index(data_settings.data_dir / "index").exists()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="kb.index"):
        second = open_search(data_settings, demo_engine, embedder)
    assert "rebuilding" not in caplog.text
    assert len(second.catalogue.vectors) == len(first.catalogue.vectors) > 0


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: saved_index(d).write_bytes(b"not an index"), "unreadable"),
        (lambda d: (d / "manifest.json").write_text(json.dumps({"model": "another-model", "dim": 384})),
         "built with model 'another-model'"),
        (lambda d: (d / "manifest.json").unlink(), "no saved index"),
    ],
)
def test_damaged_or_foreign_index_is_rebuilt_with_a_log_line(
    demo_engine: Engine, data_settings: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture,
    damage, reason: str,  # type: ignore[no-untyped-def]
) -> None:
    healthy = open_search(data_settings, demo_engine, embedder)
    damage(data_settings.data_dir / "index")
    with caplog.at_level(logging.INFO, logger="kb.index"):
        rebuilt = open_search(data_settings, demo_engine, embedder)
    assert reason in caplog.text
    assert len(rebuilt.catalogue.vectors) == len(healthy.catalogue.vectors)
