"""'Did you mean': corrections come only from the words of the entries the viewer may see, and the vocabularies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fixtures.load import load_directory
from index.embedder import Embedder
from index.search import SearchService
from index.service import open_search
from index.spelling import Speller, vocabulary_words
from kb import migrate
from kb.authorisations import authorise, withdraw
from kb.db import make_engine
from kb.models import Attribution, Practice, Scope, User
from kb.practices import upsert_practice
from kb.viewer import PUBLIC, Viewer, viewer_for
from kb.vocabulary import Vocabulary
from tests.conftest import sqlite_settings
from tests.factories import make_record, writer_for
from tests.web.conftest import soup
from web.app import create_app

SHARED = make_record("SPELL-XA-1", host_state="XA", title="Badge audits at the source store",
                     summary="Guards audit every badge used at the source store each week.")
HIDDEN = make_record("SPELL-XA-2", host_state="XA", title="Zirconflux seals on source containers",
                     summary="Each container carries a zirconflux seal checked by two guards.")


def test_unknown_words_become_the_closest_known_word() -> None:
    speller = Speller({"insider": 4, "threat": 9, "sabotage": 2, "threats": 1, "inside": 1})
    assert speller.suggest("insidr thret sabotag") == "insider threat sabotage"
    assert speller.suggest("insider threat") is None, "nothing to correct, nothing offered"
    assert speller.suggest("not the") is None, "stop words are never corrected"
    assert speller.suggest("qwxzv") is None, "nothing close: nothing offered"


def test_vocabulary_labels_and_synonyms_are_known(vocabularies: dict[str, Vocabulary]) -> None:
    words = vocabulary_words(vocabularies)
    assert {"insider", "threat", "vulnerability"} <= words
    assert Speller({}, words).suggest("vulnerabilty assesment") == "vulnerability assessment"


def curator(session: Session) -> Viewer:
    return viewer_for(session, session.exec(select(User).where(User.username == "curator")).one())


def test_a_misspelt_demo_description_is_corrected(demo_search: SearchService, demo_engine: Engine) -> None:
    with Session(demo_engine) as session:
        assert demo_search.suggest(session, curator(session), "insidr thret sabotag") == "insider threat sabotage"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[tuple[Engine, SearchService,
                                                                                          TestClient]]:
    """One entry shared publicly, and one its host keeps to itself holding a word no other entry has."""
    settings = sqlite_settings(Path(tmp_path_factory.mktemp("spelling")))
    engine = make_engine(settings)
    migrate.upgrade(engine)
    load_directory(engine)
    with Session(engine) as session, session.begin():
        shared = upsert_practice(session, record=SHARED, actor="curator")[1]
        authorise(session, practice=shared, scope=Scope.public, attribution=Attribution.named, by="focal.xa",
                  via="test")
        hidden = upsert_practice(session, record=HIDDEN, actor="curator")[1]
        writer_for(embedder, settings).sync(session, [shared, hidden])
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield engine, open_search(settings, engine, embedder), client
    engine.dispose()


def test_a_word_only_a_hidden_entry_holds_is_never_offered(world: tuple[Engine, SearchService, TestClient]) -> None:
    engine, search, client = world
    with Session(engine) as session:
        assert search.suggest(session, curator(session), "zirconflax seals") == "zirconflux seals", "positive control"
        assert search.suggest(session, PUBLIC, "zirconflax seals") is None
        assert search.suggest(session, PUBLIC, "badje audts") == "badge audits"
    answer = client.get("/api/v1/search", params={"q": "zirconflax"}).json()
    assert answer["total"] < 3
    assert not any("zirconflux" in s for s in answer["suggestions"]), answer["suggestions"]


def test_the_page_offers_a_link_that_runs_the_corrected_search(world: tuple[Engine, SearchService, TestClient]
                                                              ) -> None:
    _, _, client = world
    assert client.get("/api/v1/search", params={"q": "badje audts"}).json()["suggestions"] == ["badge audits"]
    link = soup(client.get("/", params={"q": "badje audts"}).text).select_one("[data-testid=suggestion] a")
    assert link is not None and link.get_text() == "badge audits"
    corrected = soup(client.get(str(link["href"])).text)
    assert [a.get_text() for a in corrected.select("li.result h3 a")] == [SHARED.title]


def test_a_withdrawn_entry_stops_lending_its_words_on_the_next_request(
    world: tuple[Engine, SearchService, TestClient],
) -> None:
    engine, search, _ = world
    with Session(engine) as session:
        assert search.suggest(session, PUBLIC, "badje audts") == "badge audits", "positive control"
    with Session(engine) as session, session.begin():
        shared = session.exec(select(Practice).where(Practice.external_id == SHARED.id)).one()
        withdraw(session, practice=shared, by="focal.xa", via="test")
    with Session(engine) as session:
        assert "badge" not in (search.suggest(session, PUBLIC, "badje audts") or ""), "only the entry had the word"
        assert search.suggest(session, curator(session), "badje audts") == "badge audits"
