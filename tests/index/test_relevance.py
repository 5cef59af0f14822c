"""Practitioners' problem descriptions find the practices that answer them, and nothing the rule hides."""

from __future__ import annotations

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fixtures import FIXTURES
from fixtures.load import relevance_set
from index.search import SearchService
from kb.accounts import user_by_name
from kb.models import Authorisation, AuthorisationNetwork, Network, Practice, Status
from kb.viewer import PUBLIC, Viewer, viewer_for


def test_relevance_set_is_large_and_points_at_real_practices(demo_engine: Engine) -> None:
    queries = relevance_set()
    assert len(queries) >= 40
    with Session(demo_engine) as session:
        known = set(session.exec(select(Practice.external_id)))
    assert all(q["relevant"] and set(q["relevant"]) <= known for q in queries)


def test_recall_at_10_on_the_relevance_set(demo_engine: Engine, demo_search: SearchService) -> None:
    queries = relevance_set()
    found = wanted = 0
    with Session(demo_engine) as session:
        external = dict(session.exec(select(Practice.id, Practice.external_id)).all())
        curator = viewer_for(session, user_by_name(session, "curator"))
        for query in queries:
            hits = demo_search.search(session, curator, query["query"], limit=10, with_facets=False).hits
            top = {external[h.practice_id] for h in hits}
            found += len(top & set(query["relevant"]))
            wanted += len(query["relevant"])
    assert found / wanted >= 0.8


def _oracle(session: Session) -> dict[str, dict]:
    """Per practice: host, status and the authorisation in force, read straight from the tables."""
    facts: dict[str, dict] = {}
    for practice in session.exec(select(Practice)):
        current = session.exec(select(Authorisation).where(
            Authorisation.practice_id == practice.id, Authorisation.withdrawn_at.is_(None),
            Authorisation.superseded_at.is_(None))).first()
        networks = set()
        if current is not None:
            networks = set(session.exec(select(Network.code).join(AuthorisationNetwork).where(
                AuthorisationNetwork.authorisation_id == current.id)))
        facts[practice.external_id] = {"host": practice.host_state_code, "status": practice.status,
                                       "current": current, "networks": networks}
    return facts


def _may_see(viewer: Viewer, networks: set[str], fact: dict) -> tuple[bool, bool]:
    current = fact["current"]
    if viewer.is_secretariat or viewer.state_code == fact["host"]:
        return True, True
    shared = (fact["status"] == Status.published and current is not None
              and (current.scope == "public" or (current.scope == "networks" and fact["networks"] & networks)))
    return bool(shared), bool(shared and current.attribution == "named")


def test_no_demo_user_ever_gets_what_the_rule_hides(demo_engine: Engine, demo_search: SearchService) -> None:
    users = [u["username"] for u in yaml.safe_load((FIXTURES / "users.yaml").read_text())]
    with Session(demo_engine) as session:
        facts = _oracle(session)
        external = dict(session.exec(select(Practice.id, Practice.external_id)).all())
        codes = dict(session.exec(select(Network.id, Network.code)).all())
        viewers = [PUBLIC] + [viewer_for(session, user_by_name(session, name)) for name in users]
        for viewer in viewers:
            networks = {codes[n] for n in viewer.network_ids}
            for query in relevance_set():
                result = demo_search.search(session, viewer, query["query"], limit=20)
                for hit in result.hits:
                    visible, host_shown = _may_see(viewer, networks, facts[external[hit.practice_id]])
                    assert visible, (viewer.username, query["query"], external[hit.practice_id])
                    assert hit.host_shown == host_shown
                seen_hosts = sum(result.facets["host_state"].values())
                assert seen_hosts <= result.total


def test_related_practices_of_an_invisible_practice_are_never_computed(
    demo_engine: Engine, demo_search: SearchService
) -> None:
    with Session(demo_engine) as session:
        hidden = session.exec(select(Practice.id).where(Practice.status == Status.draft)).first()
        assert hidden is not None
        assert demo_search.related(session, PUBLIC, hidden) == []
        curator = viewer_for(session, user_by_name(session, "curator"))
        assert demo_search.related(session, curator, hidden)
