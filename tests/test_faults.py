"""Faults: a killed ingest leaves none or all of its file; a missing or corrupt index file is rebuilt at start."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fixtures import PRACTICES
from fixtures.load import load_directory
from index.embedder import Embedder
from index.persistence import LEGACY_INDEX_FILE as INDEX_FILE
from index.persistence import MANIFEST_FILE
from index.service import open_search
from ingest.pipeline import ingest_paths
from kb import migrate
from kb.config import Settings
from kb.db import make_engine
from kb.models import Passage, Practice
from kb.queries import Filters
from kb.viewer import Viewer
from kb.vocabulary import Vocabulary
from tests.conftest import sqlite_settings
from tests.factories import writer_for
from tests.fakes import FakeEmbedder

KB = Path(sys.executable).parent / "kb"
SECRETARIAT = Viewer(user_id=1, username="curator", role="curator")


def big_file(path: Path, count: int) -> list[str]:
    """Write `count` valid practices to one YAML file; return their ids."""
    words = "contractors propped the fire door of the source store open while moving drums " * 4
    records = [
        {"id": f"KILL-{i:04d}", "kind": "good_practice", "title": f"Door discipline at store {i}",
         "summary": f"Store {i} stopped doors being propped open.", "body": words,
         "host_state": "XA", "source": {"type": "ippas", "year": 2021}, "domain": ["security"],
         "sector": ["radioactive_sources"], "topic": ["physical_protection"], "status": "published",
         "authorisation": {"scope": "public"}}
        for i in range(count)
    ]
    path.write_text(yaml.safe_dump(records, sort_keys=False), encoding="utf-8")
    return [r["id"] for r in records]


def write_lock_held(db: Path) -> bool:
    """Whether another process holds SQLite's write lock (an ingest transaction is open)."""
    connection = sqlite3.connect(db, timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    finally:
        connection.close()


def external_ids(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Practice.external_id)))


def assert_index_matches_database(settings: Settings, engine: Engine, embedder: Embedder) -> None:
    search = open_search(settings, engine, embedder)
    with Session(engine) as session:
        practice_ids = set(session.exec(select(Practice.id)))
        passages = session.exec(select(Passage.id, Passage.practice_id)).all()
        assert set(search.catalogue.facts) == practice_ids
        assert dict(passages) == search.catalogue.passage_owner
        assert {pid for _, pid in passages} == practice_ids, "every practice has its passages, and only those"
        assert len(search.catalogue.vectors) == len(passages)
        result = search.search(session, SECRETARIAT, "door propped open at the store", Filters(), limit=5)
        assert result.hits and all(hit.practice_id in practice_ids for hit in result.hits)


@pytest.mark.slow
def test_killing_an_ingest_mid_file_leaves_none_of_that_file_and_a_consistent_index(
    tmp_path: Path, embedder: Embedder, vocabularies: dict[str, Vocabulary]
) -> None:
    settings = sqlite_settings(tmp_path)
    engine = make_engine(settings)
    migrate.upgrade(engine)
    load_directory(engine)
    first = ingest_paths([PRACTICES / "country_submissions.json"], engine=engine, writer=writer_for(embedder),
                         vocabularies=vocabularies)
    assert first.ok
    open_search(settings, engine, embedder)  # the saved index reflects the database before the kill
    before = external_ids(engine)
    doomed = big_file(tmp_path / "big.yaml", 150)
    db = tmp_path / "kb.db"

    env = {**os.environ, "KB_DATABASE_URL": settings.database_url, "KB_DATA_DIR": str(settings.data_dir),
           "KB_SECRET_KEY": settings.secret_key}
    process = subprocess.Popen([str(KB), "ingest", str(tmp_path / "big.yaml")], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        held_since = None
        while time.monotonic() < deadline and process.poll() is None:
            if write_lock_held(db):
                held_since = held_since or time.monotonic()
                if time.monotonic() - held_since > 0.3:  # inside the file's transaction, embedding
                    break
            else:
                held_since = None
            time.sleep(0.05)
        assert process.poll() is None, f"ingest ended before it could be killed: {process.communicate()}"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL

    after = external_ids(engine)
    assert after == before, "the killed file left nothing behind"
    assert not after & set(doomed)
    assert_index_matches_database(settings, engine, embedder)

    rerun = subprocess.run([str(KB), "ingest", str(tmp_path / "big.yaml")], env=env, capture_output=True,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert external_ids(engine) == before | set(doomed), "run again, the whole file is there"
    assert_index_matches_database(settings, engine, embedder)
    engine.dispose()


@pytest.fixture
def indexed(tmp_path: Path, vocabularies: dict[str, Vocabulary]) -> tuple[Settings, Engine]:
    """A small knowledge base (fake embedder) whose index has been built and saved once."""
    settings = sqlite_settings(tmp_path)
    engine = make_engine(settings)
    migrate.upgrade(engine)
    load_directory(engine)
    assert ingest_paths([PRACTICES / "country_submissions.json"], engine=engine, writer=writer_for(FakeEmbedder()),
                        vocabularies=vocabularies).ok
    open_search(settings, engine, FakeEmbedder())
    assert (settings.data_dir / "index" / MANIFEST_FILE).exists()
    return settings, engine


def corrupt(folder: Path, damage: str) -> None:
    manifest = folder / MANIFEST_FILE
    index = folder / json.loads(manifest.read_text()).get("index_file", INDEX_FILE)
    if damage == "index missing":
        index.unlink()
    elif damage == "manifest missing":
        manifest.unlink()
    elif damage == "index garbage":
        index.write_bytes(b"\x00not a faiss index\xff" * 100)
    elif damage == "index truncated":
        index.write_bytes(index.read_bytes()[: index.stat().st_size // 2])
    elif damage == "manifest garbage":
        manifest.write_text("{ this is not json")
    elif damage == "manifest lies":
        manifest.write_text('{"model": "fake-embedder", "dim": 32, "seq": 999999, "passages": 1}')


@pytest.mark.parametrize("damage", ["index missing", "manifest missing", "index garbage", "index truncated",
                                    "manifest garbage", "manifest lies"])
def test_a_missing_or_corrupt_index_file_is_rebuilt_from_the_database_at_start(
    indexed: tuple[Settings, Engine], caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    settings, engine = indexed
    folder = settings.data_dir / "index"
    corrupt(folder, damage)

    with caplog.at_level(logging.INFO, logger="kb.index"):
        assert_index_matches_database(settings, engine, FakeEmbedder())
    assert any(r.getMessage().startswith("rebuilding vector index from stored vectors") for r in caplog.records)

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="kb.index"):
        open_search(settings, engine, FakeEmbedder())
    assert not any("rebuilding" in r.getMessage() for r in caplog.records), "the rebuilt files are good again"
    engine.dispose()
