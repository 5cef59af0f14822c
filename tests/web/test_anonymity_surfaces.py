"""An entry shared anonymously names no state anywhere an outsider looks — and is not found through its host.

Every way the review found the host of an anonymous entry is tried, in the page, the API, search results and
the related list: the name, its demonym, a typo, accents, a soft hyphen inside the name, the code in a licence
number, glued to digits, in a file name after an underscore and as a lower-case web domain.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from fixtures.load import load_directory
from index.embedder import Embedder
from kb import migrate
from kb.authorisations import authorise
from kb.db import make_engine
from kb.models import Attribution, Scope
from kb.practices import upsert_practice
from tests.conftest import sqlite_settings
from tests.factories import make_record, public_id_of, writer_for
from web.app import create_app

ANONYMOUS = make_record(
    "ANON-XA-1", host_state="XA",
    title="How Aldoria keeps two people at the source vault (licence XA-2016-07)",
    summary="The Aldorian regulator made the two-person rule a licence condition after mission XA2016.",
    body="## Context\nAl\u00addoria's operators saw a near miss. See IPPAS_Aldoria_2016_report.pdf and "
         "https://www.nra.xa/guide. Aldorria's inspectors, like Brevania's, check the logs.",
    source={"type": "ippas", "year": 2016, "reference": "IPPAS mission XA2016, Áldória"},
    references=["Guide of the Aldorian authority, XA-G-7"],
)
NAMED_TWIN = make_record(
    "NAMED-XA-1", host_state="XA", title="Aldoria's vault keys are held by two shift supervisors",
    summary="In Aldoria two supervisors hold the keys to the radioactive source vault.",
)
UNRELATED = make_record("NAMED-XB-1", host_state="XB", title="Chlorine truck escorts from the border",
                        summary="Brevania escorts chlorine trucks to the plant gate.", sector=["chemical_industry"])
LEAKS = ("Aldoria", "Aldorian", "Aldorria", "Áldória", "Al\u00addoria", "XA-", "XA2016", "nra.xa", "Brevania",
         "ANON-XA-1")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = sqlite_settings(Path(tmp_path_factory.mktemp("anonymity")))
    engine = make_engine(settings)
    migrate.upgrade(engine)
    load_directory(engine)
    with Session(engine) as session, session.begin():
        stored = []
        for record, attribution in ((ANONYMOUS, Attribution.anonymous), (NAMED_TWIN, Attribution.named),
                                    (UNRELATED, Attribution.named)):
            practice = upsert_practice(session, record=record, actor="curator")[1]
            authorise(session, practice=practice, scope=Scope.public, attribution=attribution,
                      by=f"focal.{record.host_state.lower()}", via="test")
            stored.append(practice)
        writer_for(embedder, settings).sync(session, stored)
    with Session(engine) as session:
        ids = {record.id: public_id_of(session, record.id) for record in (ANONYMOUS, NAMED_TWIN, UNRELATED)}
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client, ids
    engine.dispose()


def assert_names_nobody(text: str, where: str) -> None:
    for leak in LEAKS:
        assert leak not in text, (where, leak)


def test_the_page_and_the_api_name_no_state(world: tuple[TestClient, dict[str, str]]) -> None:
    client, ids = world
    page = client.get(f"/practices/{ids['ANON-XA-1']}")
    assert page.status_code == 200
    article = BeautifulSoup(page.text, "html.parser").select_one("article.practice")
    assert article is not None
    article.select_one("section.related").decompose()  # related entries show their own attribution
    assert_names_nobody(article.get_text(" ") + str(BeautifulSoup(page.text, "html.parser").title), "page")
    assert "[state]" in article.get_text(" ")
    body = client.get(f"/api/v1/practices/{ids['ANON-XA-1']}").json()
    assert body["host_state"] is None and body["reference"] is None
    assert_names_nobody(str(body), "api")
    assert body["source_reference"] == "IPPAS mission [state]2016, [state]"


def test_search_results_name_no_state_and_a_state_name_does_not_find_the_entry(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = world
    about = client.get("/api/v1/search", params={"q": "two people at the source vault"}).json()
    hit = next(r for r in about["results"] if r["id"] == ids["ANON-XA-1"])
    assert_names_nobody(str(hit), "search result")
    def found(query: str) -> list[str]:
        return [r["id"] for r in client.get("/api/v1/search", params={"q": query}).json()["results"]]

    for spelling in ("Aldoria", "Aldorian", "aldoria's", "Aldorria", "Áldória", "Al\u00addoria", "XA"):
        assert ids["ANON-XA-1"] not in found(spelling), spelling
    pairs = (("XA2016", "XB2016"), ("nra.xa", "nra.xb"), ("Aldorian mission 2016", "Brevanian mission 2016"))
    for spelling, other in pairs:
        # what is left once the state is gone ("2016", "nra") may match: but just as for any other state
        assert (ids["ANON-XA-1"] in found(spelling)) == (ids["ANON-XA-1"] in found(other)), spelling
    named = [r["id"] for r in client.get("/api/v1/search", params={"q": "Aldoria"}).json()["results"]]
    assert ids["NAMED-XA-1"] in named, "a state named by its host is still found by its name"


def test_the_related_list_of_the_named_twin_does_not_point_at_the_anonymous_entry_by_name(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    client, ids = world
    page = BeautifulSoup(client.get(f"/practices/{ids['NAMED-XA-1']}").text, "html.parser")
    cards = page.select("section.related li")
    anonymous = [c for c in cards if c.select_one("a")["href"].endswith(ids["ANON-XA-1"])]
    for card in anonymous:
        assert_names_nobody(card.get_text(" "), "related card")
        assert "Anonymised" in card.get_text(" ")
