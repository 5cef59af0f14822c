"""Properties of ranking, over random queries and random changes (real model, real SQLite):

1. For a viewer who may not see a host, a query built from any spelling of any state's identifying terms ranks
   the anonymous entries exactly as the same query naming another state does: same entries, same order, same
   scores, bit for bit.
2. Changing what a viewer may not see — hidden drafts, entries of other states not shared with them, new hidden
   entries — leaves every score, rank, total and facet they receive bit-identical.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fixtures.load import load_directory
from index.embedder import Embedder
from index.search import SearchService
from index.service import open_search
from kb import migrate
from kb.accounts import user_by_name
from kb.authorisations import authorise
from kb.config import PACKAGE_VOCABULARY_DIR, Settings
from kb.db import make_engine
from kb.identifying import read_terms_file
from kb.models import Attribution, Practice, Scope
from kb.practices import upsert_practice
from kb.viewer import PUBLIC, Viewer, viewer_for
from tests.conftest import sqlite_settings
from tests.factories import make_record, writer_for

STATES = {"XA": "Aldoria", "XB": "Brevania", "XC": "Cassamar", "XN": "Norvale"}
TERMS = {code: [t for t in terms if " " not in t] for code, terms in read_terms_file(PACKAGE_VOCABULARY_DIR).items()
         if code in STATES}
TEMPLATES = ("{} two people at the source vault", "what did {} do about insiders at the vault", "{}",
             "guards in {} report odd behaviour of a colleague", "{} chlorine trucks escorted to the plant")
QUERIES = ("two people at the vault", "insider threat at the source store", "chlorine truck escort",
           "guards report a colleague", "vault keys held by supervisors")
PROPERTIES = settings(max_examples=40, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def spelling(term: str, how: str) -> str:
    """Write a term the way a query might: with a typo, accents, invisible characters, other case."""
    if how == "typo" and len(term) >= 6:
        return term[:3] + ("x" if term[3] != "x" else "y") + term[4:]
    if how == "swap" and len(term) >= 6:
        return term[:2] + term[3] + term[2] + term[4:]
    if how == "accents":
        return "".join(c + "\u0301" if c in "aeiou" else c for c in term)
    if how == "zero-width":
        return term[:2] + "\u200b" + term[2:]
    if how == "soft-hyphen":
        return term[:3] + "\u00ad" + term[3:]
    if how == "upper":
        return term.upper()
    if how == "nfc":
        return unicodedata.normalize("NFC", term)
    return term


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[tuple[Settings, Engine]]:
    """For each state: an entry shared by name, an anonymous one that names its host, and a hidden draft."""
    settings_ = sqlite_settings(Path(tmp_path_factory.mktemp("ranking")))
    engine = make_engine(settings_)
    migrate.upgrade(engine)
    load_directory(engine)
    with Session(engine) as session, session.begin():
        stored = []
        for code, name in STATES.items():
            demonym = next((t for t in TERMS[code] if t != name and t.endswith(("an", "i", "ese"))), name)
            entries = [
                (f"NAMED-{code}", Attribution.named, f"{name} keeps two people at the source vault",
                 f"In {name} two supervisors hold the vault keys; insiders cannot enter alone."),
                (f"ANON-{code}", Attribution.anonymous, f"How {name} stopped lone entries to the vault",
                 f"The {demonym} regulator made {name}'s operators escort chlorine trucks and report odd colleagues."),
            ]
            for external_id, attribution, title, summary in entries:
                practice = upsert_practice(session, record=make_record(external_id, host_state=code, title=title,
                                                                       summary=summary), actor="test")[1]
                authorise(session, practice=practice, scope=Scope.public, attribution=attribution, via="test",
                          by=f"focal.{code.lower()}")
                stored.append(practice)
            draft = upsert_practice(session, record=make_record(
                f"DRAFT-{code}", host_state=code, status="draft", title=f"Draft on {name} vault escorts",
                summary="Two people, vault keys, chlorine escorts and insiders."), actor="test")[1]
            stored.append(draft)
        writer_for(embedder, settings_).sync(session, stored)
    yield settings_, engine
    engine.dispose()


@pytest.fixture(scope="module")
def search(world: tuple[Settings, Engine], embedder: Embedder) -> SearchService:
    settings_, engine = world
    return open_search(settings_, engine, embedder)


def viewers(engine: Engine) -> list[Viewer]:
    with Session(engine) as session:
        return [PUBLIC, viewer_for(session, user_by_name(session, "reader.xb")),
                viewer_for(session, user_by_name(session, "focal.xc"))]


def hidden_host_hits(search: SearchService, engine: Engine, viewer: Viewer, query: str) -> list[tuple[int, float]]:
    with Session(engine) as session:
        result = search.search(session, viewer, query, limit=100, with_facets=False)
    return [(hit.practice_id, hit.score) for hit in result.hits if not hit.host_shown]


@PROPERTIES
@given(data=st.data())
def test_no_spelling_of_a_state_finds_or_moves_its_anonymous_entries(
    world: tuple[Settings, Engine], search: SearchService, data: st.DataObject
) -> None:
    _, engine = world
    named, other = data.draw(st.permutations(sorted(STATES)))[:2]
    template = data.draw(st.sampled_from(TEMPLATES))
    how = data.draw(st.sampled_from(("exact", "typo", "swap", "accents", "zero-width", "soft-hyphen", "upper",
                                     "code")))
    term = data.draw(st.sampled_from(TERMS[named]))
    variant = named if how == "code" else spelling(term, how)
    control = other if how == "code" else data.draw(st.sampled_from(TERMS[other]))
    for viewer in viewers(engine):
        naming = hidden_host_hits(search, engine, viewer, template.format(variant))
        instead = hidden_host_hits(search, engine, viewer, template.format(control))
        assert naming == instead, (viewer.username, template.format(variant), template.format(control))


def everything_received(search: SearchService, engine: Engine, viewer: Viewer) -> list[object]:
    with Session(engine) as session:
        out: list[object] = []
        for query in ("", *QUERIES):
            result = search.search(session, viewer, query, limit=100)
            out.append((query, result.total, [(h.practice_id, h.score, h.host_shown, h.passage) for h in result.hits],
                        result.facets))
        return out


@PROPERTIES
@given(words=st.lists(st.sampled_from(("vault", "two", "people", "insider", "chlorine", "escort", "guards",
                                       "colleague", "keys", "supervisors", "report", "source", "store")),
                      min_size=1, max_size=12),
       target=st.sampled_from(("DRAFT-XA", "DRAFT-XB", "DRAFT-XN", "NEW")))
def test_changing_what_a_viewer_may_not_see_changes_nothing_they_receive(
    world: tuple[Settings, Engine], search: SearchService, embedder: Embedder, words: list[str], target: str
) -> None:
    _, engine = world
    watched = [v for v in viewers(engine) if v.username != "reader.xb" or target != "DRAFT-XB"]
    before = {v.username: everything_received(search, engine, v) for v in watched}
    with Session(engine) as session, session.begin():
        if target == "NEW":
            count = len(session.exec(select(Practice.id)).all())
            practice = upsert_practice(session, record=make_record(
                f"HIDDEN-{count}", host_state="XN", status="pending", title=" ".join(words),
                summary=" ".join(words * 3)), actor="test")[1]
        else:
            practice = session.exec(select(Practice).where(Practice.external_id == target)).one()
            practice.body = " ".join(words * 5)
            upsert_practice(session, record=make_record(target, host_state=practice.host_state_code, status="draft",
                                                        title=practice.title, summary=practice.summary,
                                                        body=practice.body), actor="test")
        writer_for(embedder).sync(session, [practice])
    after = {v.username: everything_received(search, engine, v) for v in watched}
    assert after == before
