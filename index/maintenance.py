"""Keeping the stored passages and the saved index in step: re-embedding after a model or terms change."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.persistence import forget_index
from index.store import PassageWriter
from kb.changes import note_change
from kb.config import Settings
from kb.models import Practice


def reembed_all(settings: Settings, engine: Engine, writer: PassageWriter,
                progress: Callable[[int], object] | None = None) -> int:
    """Bring every practice's passages up to date with the writer's model and identifying terms.

    Running processes load the new vectors on their next request (a change is logged for each practice), and
    the saved index is forgotten, so it is rebuilt from the database at the next start.
    """
    with Session(engine) as session, session.begin():
        practices = list(session.exec(select(Practice)))
        embedded = writer.sync(session, practices, progress=progress)
        if embedded:
            for practice in practices:
                note_change(session, object_type="practice", object_id=practice.external_id)
    forget_index(settings.data_dir / "index")
    return embedded
