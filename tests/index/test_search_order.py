"""Ties are ordered by the opaque id, never by the internal id (which follows the order of ingest)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.catalogue import tiebreak_of
from index.service import open_search
from kb.authorisations import authorise
from kb.config import Settings
from kb.models import Attribution, Practice, Scope
from kb.practices import upsert_practice
from kb.viewer import PUBLIC
from tests.factories import make_record, writer_for
from tests.fakes import FakeEmbedder


def test_practices_of_one_year_are_listed_in_the_order_of_their_opaque_ids(
    backend_settings: Settings, directory_engine: Engine
) -> None:
    embedder = FakeEmbedder()
    with Session(directory_engine) as session, session.begin():
        stored = []
        for n in range(12):  # one file's worth, ingested in a row: named and anonymous alternating
            practice = upsert_practice(session, record=make_record(f"TIE-{n:02d}"), actor="test")[1]
            authorise(session, practice=practice, scope=Scope.public, via="test", by="focal.xa",
                      attribution=Attribution.anonymous if n % 2 else Attribution.named)
            stored.append(practice)
        writer_for(embedder).sync(session, stored)
    search = open_search(backend_settings, directory_engine, embedder)
    with Session(directory_engine) as session:
        listed = [hit.practice_id for hit in search.search(session, PUBLIC, "", limit=50).hits]
        public_ids = dict(session.exec(select(Practice.id, Practice.public_id)).all())
    assert sorted(listed) == sorted(public_ids)
    assert listed == sorted(listed, key=lambda pid: tiebreak_of(public_ids[pid]))
    assert listed != sorted(listed), "the order of ingest is not the order shown"
