"""Ingest and search work the same on SQLite and PostgreSQL, with the real model."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from fixtures import PRACTICES
from index.embedder import Embedder
from index.service import open_search
from kb.accounts import user_by_name
from kb.config import Settings
from kb.models import Passage, Practice
from kb.queries import Filters
from kb.viewer import PUBLIC, viewer_for
from tests.ingest.helpers import dump, run_ingest

SOURCES = PRACTICES / "sources_transport.jsonl"
QUERY = "contractors keep propping open the fire door to the source store"


def test_ingest_reingest_and_search_on_each_backend(
    backend_settings: Settings, directory_engine: Engine, embedder: Embedder
) -> None:
    first = run_ingest(directory_engine, embedder, SOURCES)
    assert first.ok, [str(e) for e in first.errors]
    assert (first.added, first.updated) == (32, 0)
    with Session(directory_engine) as session:
        assert session.exec(select(func.count()).select_from(Practice)).one() == 32
        assert session.exec(select(func.count()).select_from(Passage)).one() == first.embedded >= 32

    before = dump(directory_engine)
    again = run_ingest(directory_engine, embedder, SOURCES)
    assert (again.added, again.updated, again.unchanged, again.embedded) == (0, 0, 32, 0)
    assert dump(directory_engine) == before

    search = open_search(backend_settings, directory_engine, embedder)
    with Session(directory_engine) as session:
        curator = viewer_for(session, user_by_name(session, "curator"))
        found = search.search(session, curator, QUERY, limit=5)
        public = search.search(session, PUBLIC, QUERY, limit=50)
        security = search.search(session, curator, QUERY, Filters(domain=("security",)), limit=50)
        restricted = session.exec(select(Practice.id).where(Practice.external_id == "GP-RAD-001")).one()
    assert found.hits[0].practice_id == restricted and found.hits[0].passage
    assert restricted not in {hit.practice_id for hit in public.hits}  # shared with networks only
    assert 0 < public.total < found.total
    assert security.facets["domain"]["security"] == security.total < found.total
