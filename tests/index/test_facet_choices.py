"""Facets as people know them: values of one facet widen (OR), facets narrow (AND), a chosen facet keeps its other
values with their counts; every count is of practices the viewer may see; sorting by year keeps the matches."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session

from fixtures import FIXTURES
from index.search import SearchService
from kb.accounts import user_by_name
from kb.queries import Filters
from kb.viewer import PUBLIC, Viewer, viewer_for
from tests.oracle import asker_of, entries_of, sees

USERS = ["public"] + [u["username"] for u in yaml.safe_load((FIXTURES / "users.yaml").read_text())]
QUERY = "protecting radioactive sources against theft"


def viewer_named(session: Session, name: str) -> Viewer:
    return PUBLIC if name == "public" else viewer_for(session, user_by_name(session, name))


def common_values(search: SearchService, session: Session, viewer: Viewer, facet: str, n: int) -> tuple[str, ...]:
    counts = search.search(session, viewer, "", limit=1)
    return tuple(list(counts.facets[facet])[:n])


@pytest.mark.parametrize("name", USERS)
def test_a_chosen_facet_counts_its_values_over_what_the_viewer_may_see_under_the_other_filters(
    demo_engine: Engine, demo_search: SearchService, name: str
) -> None:
    with Session(demo_engine) as session:
        viewer = viewer_named(session, name)
        asker = asker_of(session, viewer)
        entries = entries_of(session)
        topics = common_values(demo_search, session, viewer, "topic", 2)
        kind = common_values(demo_search, session, viewer, "kind", 1)
        chosen = Filters(topic=topics, kind=kind)
        result = demo_search.search(session, viewer, "", chosen, limit=1000)
    facts = demo_search.catalogue.facts
    seen = [pid for pid in entries if sees(asker, entries[pid])]
    wanted_topics = {t for topic in topics for t in demo_search.vocabularies["topic"].with_descendants(topic)}
    of_kind = [pid for pid in seen if facts[pid].kind in kind]
    expected_topics = Counter(t for pid in of_kind for t in facts[pid].tags.get("topic", ()))
    in_topics = [pid for pid in seen if wanted_topics & set(facts[pid].tags.get("topic", ()))]
    expected_kinds = Counter(facts[pid].kind for pid in in_topics)
    assert result.facets["topic"] == dict(expected_topics), "topic counts ignore the topic filter, nothing else"
    assert result.facets["kind"] == dict(expected_kinds), "kind counts ignore the kind filter, nothing else"
    both = [pid for pid in in_topics if facts[pid].kind in kind]
    assert sorted(h.practice_id for h in result.hits) == sorted(both), "topics widen (OR), facets narrow (AND)"
    assert len(result.facets["topic"]) > len(topics), "the other topics stay listed"


@pytest.mark.parametrize("name", ["public", "reader.xk", "focal.xc"])
def test_counts_with_a_query_never_include_a_practice_the_viewer_may_not_see(
    demo_engine: Engine, demo_search: SearchService, name: str
) -> None:
    with Session(demo_engine) as session:
        viewer = viewer_named(session, name)
        asker = asker_of(session, viewer)
        entries = entries_of(session)
        sectors = common_values(demo_search, session, viewer, "sector", 2)
        result = demo_search.search(session, viewer, QUERY, Filters(sector=sectors), limit=1000)
        wider = demo_search.search(session, viewer, QUERY, limit=1000)
    facts = demo_search.catalogue.facts
    visible = Counter(s for pid, entry in entries.items() if sees(asker, entry)
                      for s in facts[pid].tags.get("sector", ()))
    hidden = Counter(s for pid, entry in entries.items() if not sees(asker, entry)
                     for s in facts[pid].tags.get("sector", ()))
    assert hidden, "the demo hides some practices from this viewer, or the test proves nothing"
    assert result.facets["sector"] == wider.facets["sector"], "a chosen facet counts as if it were not chosen"
    for sector, count in result.facets["sector"].items():
        assert count <= visible[sector], (sector, count, visible[sector])
    assert all(sees(asker, entries[h.practice_id]) for h in result.hits)


@pytest.mark.parametrize("query", ["", QUERY])
def test_sorting_by_year_orders_the_same_matches(demo_engine: Engine, demo_search: SearchService, query: str) -> None:
    with Session(demo_engine) as session:
        ranked = demo_search.search(session, PUBLIC, query, limit=1000)
        newest = demo_search.search(session, PUBLIC, query, limit=1000, sort="newest")
        oldest = demo_search.search(session, PUBLIC, query, limit=1000, sort="oldest")
    year = {pid: demo_search.catalogue.facts[pid].year for pid in demo_search.catalogue.facts}
    ids = [[h.practice_id for h in r.hits] for r in (ranked, newest, oldest)]
    assert sorted(ids[0]) == sorted(ids[1]) == sorted(ids[2]) and len(ids[0]) > 5
    assert [year[p] for p in ids[1]] == sorted((year[p] for p in ids[0]), reverse=True)
    assert [year[p] for p in ids[2]] == sorted(year[p] for p in ids[0])
    assert len({year[p] for p in ids[0]}) > 1
    assert ranked.facets == newest.facets == oldest.facets
