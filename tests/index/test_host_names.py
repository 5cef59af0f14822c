"""A word naming a state ranks only practices whose host the viewer may see.

A host may write its own name into a practice it shares anonymously. Pages and the API redact it, but a
search for the state's name must not find the practice either (that would name the host by inference).
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.embedder import Embedder
from index.search import SearchService
from index.service import open_search
from kb.accounts import user_by_name
from kb.authorisations import authorise
from kb.config import Settings
from kb.directory import upsert_state
from kb.models import Attribution, Practice, Scope
from kb.practices import upsert_practice
from kb.records import PracticeRecord
from kb.viewer import PUBLIC, Viewer, viewer_for
from kb.vocabulary import Vocabulary
from tests.factories import writer_for

PRACTICES = {
    # id: (host, attribution, title, body)
    "ANON-XA": ("XA", Attribution.anonymous, "Two-person rule for the source vault",
                "Aldoria's regulator requires two people at the vault of radioactive sources at every opening."),
    "NAMED-XB": ("XB", Attribution.named, "Cross-border escort of chlorine trucks",
                 "Brevania escorts chlorine trucks from the border crossing to the plant gate."),
    "OTHER-XC": ("XC", Attribution.named, "Night patrols at the fuel depot",
                 "Guards patrol the fuel depot fence at night and log every round."),
}


@pytest.fixture
def search(backend_settings: Settings, directory_engine: Engine, embedder: Embedder,
           vocabularies: dict[str, Vocabulary]) -> SearchService:
    with Session(directory_engine) as session, session.begin():
        stored = []
        for external_id, (host, attribution, title, body) in PRACTICES.items():
            record = PracticeRecord(id=external_id, kind="good_practice", title=title, summary=body, host_state=host,
                                    source={"type": "ippas", "year": 2021}, domain=["security"],
                                    sector=["radioactive_sources"], topic=["physical_protection"])
            practice = upsert_practice(session, record=record, actor="curator")[1]
            authorise(session, practice=practice, scope=Scope.public, attribution=attribution,
                      by=f"focal.{host.lower()}", via="test")
            stored.append(practice)
        writer_for(embedder).sync(session, stored)
    return open_search(backend_settings, directory_engine, embedder)


def found(engine: Engine, search: SearchService, viewer: Viewer | str, query: str) -> list[str]:
    """Return the external ids the viewer finds for the query, best first."""
    with Session(engine) as session:
        if isinstance(viewer, str):
            viewer = viewer_for(session, user_by_name(session, viewer))
        result = search.search(session, viewer, query, limit=50)
        external = dict(session.exec(select(Practice.id, Practice.external_id)).all())
    return [external[hit.practice_id] for hit in result.hits]


@pytest.mark.parametrize("viewer", [PUBLIC, "reader.xb", "focal.xc"])
def test_the_name_of_an_anonymous_host_does_not_find_its_practice(
    directory_engine: Engine, search: SearchService, viewer: Viewer | str
) -> None:
    for query in ("Aldoria", "aldoria's", "XA"):
        assert "ANON-XA" not in found(directory_engine, search, viewer, query), query
    # the practice is still found by what it is about, with or without the name in the query
    assert found(directory_engine, search, viewer, "two people at the source vault")[0] == "ANON-XA"
    assert found(directory_engine, search, viewer, "Aldoria two people at the source vault")[0] == "ANON-XA"


@pytest.mark.parametrize("viewer", ["focal.xa", "curator"])
def test_the_host_and_the_secretariat_still_find_it_by_name(
    directory_engine: Engine, search: SearchService, viewer: str
) -> None:
    assert found(directory_engine, search, viewer, "Aldoria")[0] == "ANON-XA"


def test_a_named_host_is_found_by_its_name(directory_engine: Engine, search: SearchService) -> None:
    assert found(directory_engine, search, PUBLIC, "Brevania")[0] == "NAMED-XB"


def test_a_renamed_state_is_known_on_the_next_request(directory_engine: Engine, search: SearchService) -> None:
    assert "ANON-XA" in found(directory_engine, search, PUBLIC, "vault"), "the control: found before the rename"
    with Session(directory_engine) as session, session.begin():
        upsert_state(session, code="XC", name="Vault", actor="curator")
    assert "ANON-XA" not in found(directory_engine, search, PUBLIC, "vault")
