"""The passage each result shows, through the API and the page, with the real model on the demo data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.snippets import SNIPPETS, sentences
from kb.models import Practice
from tests.web.conftest import soup

QUERIES = (
    "our guards do not report when a colleague behaves strangely",
    "how do other regulators inspect transport of radioactive sources",
    "cyber attack on plant control systems",
    "staff keep propping open the door to the source store",
)
HEADINGS = ("Context", "What was done", "Results", "Lessons for others")


@pytest.fixture(scope="module")
def texts(demo_engine: Engine) -> dict[str, tuple[str, str, str]]:
    """Each demo practice's (title, summary, body) by opaque id, as written (the curator reads them so)."""
    with Session(demo_engine) as session:
        return {p.public_id: (p.title, p.summary, p.body) for p in session.exec(select(Practice))}


@pytest.mark.parametrize("query", QUERIES)
def test_the_api_passage_is_whole_sentences_of_the_entry_without_indexing_text(
    query: str, signed_in: Callable[[str], TestClient], texts: dict[str, tuple[str, str, str]],
) -> None:
    results = signed_in("curator").get("/api/v1/search", params={"q": query}).json()["results"]
    assert len(results) >= 3, query
    for result in results:
        title, summary, body = texts[result["id"]]
        passage = result["passage"]
        assert passage, (query, result["title"])
        assert not passage.startswith(title.rstrip(".")), passage  # the indexing prefix "Title (tags)." is gone
        assert not passage.startswith(HEADINGS), passage
        whole = [s.text for s in sentences(summary, body)]
        if passage.endswith("…") or passage.startswith("…"):  # one sentence longer than the room: cut at words
            inner = passage.strip("…")
            source = next(s for s in whole if inner in s)
            at = source.index(inner)
            assert (at == 0 or source[at - 1] == " ") and source[at + len(inner):][:1] in ("", " "), passage
        else:
            assert any(passage.startswith(s) for s in whole), passage
            assert any(passage.endswith(s) for s in whole), passage
            assert " ".join(whole).find(passage) >= 0, passage


def test_the_passage_explains_the_match_and_cyber_is_marked(signed_in: Callable[[str], TestClient]) -> None:
    page = soup(signed_in("curator").get("/", params={"q": "cyber attack on plant control systems"}).text)
    marks = [m.get_text() for m in page.select("li.result p.passage mark")]
    assert any(m.casefold().startswith("cyber") for m in marks), marks
    marked_results = [r for r in page.select("li.result") if r.select("p.passage mark")]
    assert len(marked_results) >= len(page.select("li.result")) - 1, "nearly every passage shows why it matched"


@pytest.mark.parametrize("query", QUERIES)
def test_only_the_descriptions_content_words_are_marked(query: str, signed_in: Callable[[str], TestClient]) -> None:
    page = soup(signed_in("curator").get("/", params={"q": query}).text)
    stems = SNIPPETS.stems(query)
    marks = [m.get_text() for m in page.select("li.result p.passage mark")]
    assert marks, query
    for word in marks:
        stem = SNIPPETS.tokenize(word)
        assert stem and (stem[0] in stems or any(stem[0].startswith(s) for s in stems if len(s) >= 5)), word
        assert word.casefold() not in ("not", "noted", "the", "our", "when", "do")
    page_text = " ".join(p.get_text(" ") for p in page.select("li.result p.passage"))
    assert "Context " not in page_text and "What was done " not in page_text
