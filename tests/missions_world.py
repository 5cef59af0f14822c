"""The demo directory, practices, missions and plans in a fresh database (no embedding), and viewers by name."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from fixtures import PRACTICES
from fixtures.load import load_directory
from fixtures.missions_demo import load_missions_demo
from ingest.pipeline import ingest_paths
from kb import migrate
from kb.accounts import user_by_name
from kb.db import make_engine
from kb.viewer import PUBLIC, Viewer, viewer_for
from kb.vocabulary import Vocabulary
from tests.factories import settings_for


def load_missions_world(engine: Engine, vocabularies: dict[str, Vocabulary]) -> None:
    """Load the demo practices (unembedded), missions, findings, providers and plans into a directory database."""
    practices = ingest_paths([PRACTICES], engine=engine, writer=None, vocabularies=vocabularies, actor="demo")
    assert practices.ok, [str(e) for e in practices.errors]
    report = load_missions_demo(engine, vocabularies=vocabularies, actor="demo")
    assert report.ok, [str(e) for e in report.errors]


def viewer(session: Session, username: str | None) -> Viewer:
    """Return the viewer of a demo user (the public for None)."""
    return PUBLIC if username is None else viewer_for(session, user_by_name(session, username))


def copy_world(template: Path, folder: Path) -> Engine:
    """Return an engine on a fresh copy of a loaded SQLite world (copying a file is far quicker than loading)."""
    target = folder / "kb.db"
    shutil.copyfile(template, target)
    return make_engine(settings_for(f"sqlite:///{target}", folder))


def build_template(folder: Path, vocabularies: dict[str, Vocabulary]) -> Path:
    """Load the missions world once into a SQLite file to copy from."""
    engine = make_engine(settings_for(f"sqlite:///{folder / 'kb.db'}", folder))
    migrate.upgrade(engine)
    load_directory(engine)
    load_missions_world(engine, vocabularies)
    engine.dispose()
    return folder / "kb.db"
