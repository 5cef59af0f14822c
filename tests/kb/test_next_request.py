"""Withdrawal, change of scope, a state leaving a network, a user moving state: each holds on the next request.

One search service lives across every change (as in a running server), so its caches must notice.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.search import SearchService
from index.service import open_search
from kb.accounts import save_user, user_by_name
from kb.authorisations import authorise, grant, withdraw
from kb.config import Settings
from kb.directory import network_by_code, network_states, set_network_states
from kb.models import Attribution, Practice, Role, Scope, Status
from kb.practices import upsert_practice
from kb.queries import Filters, find_visible, visible_rows
from kb.viewer import viewer_for
from kb.vocabulary import Vocabulary
from tests.factories import make_record
from tests.fakes import FakeEmbedder

CURATOR = "curator"


@dataclass(frozen=True)
class Sight:
    """What one user gets on one request, through search and through the queries."""

    searched: dict[str, str | None]
    total: int
    host_facet: dict[str, int]
    queried: set[str]
    pages: set[str]


def add_practice(session: Session, external_id: str, host: str, status: Status = Status.published) -> Practice:
    record = make_record(external_id, title=f"Vault escort rule {external_id}", host_state=host, status=status,
                         summary="Escorts for contractors at the vault.", sector=["transport"])
    return upsert_practice(session, record=record, actor=CURATOR)[1]


def practice(session: Session, external_id: str) -> Practice:
    return session.exec(select(Practice).where(Practice.external_id == external_id)).one()


@pytest.fixture
def world(backend_settings: Settings, directory_engine: Engine) -> tuple[Engine, SearchService]:
    """Demo directory; XA shares GP-1 with NSSN (named) and GP-2 publicly (anonymous), and keeps a draft."""
    with Session(directory_engine) as session, session.begin():
        shared = add_practice(session, "GP-1", "XA")
        authorise(session, practice=shared, scope=Scope.networks, network_codes=["NSSN"],
                  attribution=Attribution.named, by="focal.xa", via="test")
        anonymous = add_practice(session, "GP-2", "XA")
        authorise(session, practice=anonymous, scope=Scope.public, attribution=Attribution.anonymous,
                  by="focal.xa", via="test")
        add_practice(session, "GP-3", "XA", status=Status.draft)
        add_practice(session, "GP-4", "XP", status=Status.pending)
    return directory_engine, open_search(backend_settings, directory_engine, FakeEmbedder())


def request(engine: Engine, search: SearchService, username: str, vocabularies: dict[str, Vocabulary]) -> Sight:
    """One request by one user: the viewer is read fresh, as the web layer does."""
    with Session(engine) as session:
        viewer = viewer_for(session, user_by_name(session, username))
        result = search.search(session, viewer, "", limit=50)
        by_id = {p.id: p for p in session.exec(select(Practice))}
        searched = {by_id[h.practice_id].external_id: by_id[h.practice_id].host_state_code if h.host_shown else None
                    for h in result.hits}
        queried = {by_id[pid].external_id for pid, _ in visible_rows(session, viewer, Filters(), vocabularies)}
        pages = {p.external_id for p in by_id.values() if find_visible(session, viewer, public_id=p.public_id)}
        queried_by_host = search.search(session, viewer, "", Filters(host_state=("XA",)), limit=50)
        assert {by_id[h.practice_id].external_id for h in queried_by_host.hits} == {
            external_id for external_id, host in searched.items() if host == "XA"}
    return Sight(searched, result.total, result.facets["host_state"], queried, pages)


def test_a_withdrawal_hides_the_practice_on_the_next_request(world, vocabularies) -> None:
    engine, search = world
    before = request(engine, search, "reader.xb", vocabularies)
    assert before.searched == {"GP-1": "XA", "GP-2": None}
    assert before.host_facet == {"XA": 1}

    with Session(engine) as session, session.begin():
        withdraw(session, practice=practice(session, "GP-1"), by="focal.xa", via="test")

    after = request(engine, search, "reader.xb", vocabularies)
    assert after.searched == {"GP-2": None} and after.total == 1
    assert after.host_facet == {}
    assert after.queried == after.pages == {"GP-2"}
    assert request(engine, search, "focal.xa", vocabularies).queried == {"GP-1", "GP-2", "GP-3"}


def test_a_change_of_scope_and_attribution_holds_on_the_next_request(world, vocabularies) -> None:
    engine, search = world
    assert "GP-1" not in request(engine, search, "reader.xk", vocabularies).searched

    with Session(engine) as session, session.begin():
        grant(session, practice=practice(session, "GP-1"), scope=Scope.networks, network_codes=["CSSN"],
              attribution=Attribution.anonymous, by="focal.xa", entered_by="focal.xa", entered_via="test")

    assert request(engine, search, "reader.xk", vocabularies).searched == {"GP-1": None, "GP-2": None}
    member = request(engine, search, "reader.xb", vocabularies)
    assert member.searched == {"GP-2": None} and member.queried == member.pages == {"GP-2"}

    with Session(engine) as session, session.begin():
        grant(session, practice=practice(session, "GP-2"), scope=Scope.public, attribution=Attribution.named,
              by="focal.xa", entered_by="focal.xa", entered_via="test")

    outsider = request(engine, search, "reader.xb", vocabularies)
    assert outsider.searched == {"GP-2": "XA"} and outsider.host_facet == {"XA": 1}


def test_a_state_leaving_a_network_loses_its_practices_on_the_next_request(world, vocabularies) -> None:
    engine, search = world
    assert "GP-1" in request(engine, search, "reader.xb", vocabularies).searched

    with Session(engine) as session, session.begin():
        network = network_by_code(session, "NSSN")
        assert network is not None
        set_network_states(session, network=network, states=set(network_states(session, network)) - {"XB"},
                           actor=CURATOR)

    after = request(engine, search, "reader.xb", vocabularies)
    assert after.searched == {"GP-2": None}
    assert after.queried == after.pages == {"GP-2"}
    assert "GP-1" in request(engine, search, "focal.xc", vocabularies).searched, "XC still participates"


def test_a_user_moved_to_another_state_sees_as_that_state_on_the_next_request(world, vocabularies) -> None:
    engine, search = world
    assert request(engine, search, "reader.xb", vocabularies).searched == {"GP-1": "XA", "GP-2": None}

    with Session(engine) as session, session.begin():
        save_user(session, username="reader.xb", role=Role.reader, state_code="XA", actor=CURATOR)

    host = request(engine, search, "reader.xb", vocabularies)
    assert host.searched == {"GP-1": "XA", "GP-2": "XA", "GP-3": "XA"}, "the host sees its own, named"
    assert host.host_facet == {"XA": 3}

    with Session(engine) as session, session.begin():
        save_user(session, username="reader.xb", role=Role.reader, state_code="XP", actor=CURATOR)

    moved = request(engine, search, "reader.xb", vocabularies)
    assert moved.searched == {"GP-2": None, "GP-4": "XP"}, "XP is in no network; GP-2 is anonymous again"
    assert moved.host_facet == {"XP": 1}
    assert moved.queried == moved.pages == {"GP-2", "GP-4"}
