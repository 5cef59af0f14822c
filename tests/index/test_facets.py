"""Facet counts come from numpy arrays, and say exactly what counting the ranked practices one by one says."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from index.facets import FACET_FIELDS
from index.search import SearchService
from kb.models import Role
from kb.queries import Filters
from kb.viewer import PUBLIC, Viewer
from kb.vocabulary import TAG_VOCABULARIES


def counted_one_by_one(search: SearchService, ids: list[int], host_shown: frozenset[int]) -> dict[str, dict[str, int]]:
    counters: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
    for pid in ids:
        fact = search.catalogue.facts[pid]
        counters["kind"][fact.kind] += 1
        counters["year"][str(fact.year)] += 1
        if pid in host_shown:
            counters["host_state"][fact.host_state] += 1
        for name in TAG_VOCABULARIES:
            counters[name].update(fact.tags.get(name, ()))
    return {name: dict(counter.most_common()) for name, counter in counters.items()}


@pytest.mark.parametrize("viewer", [PUBLIC, Viewer(user_id=1, role=Role.curator)], ids=["public", "curator"])
@pytest.mark.parametrize("query", ["", "insider threat at a nuclear power plant", "training of guards"])
def test_facets_match_counting_each_ranked_practice_in_order(
    demo_engine: Engine, demo_search: SearchService, viewer: Viewer, query: str
) -> None:
    with Session(demo_engine) as session:
        result = demo_search.search(session, viewer, query, limit=1000)
        visible = demo_search.visible_set(session, viewer, Filters())
    ids = [hit.practice_id for hit in result.hits]
    assert result.total == len(ids) > 0
    expected = counted_one_by_one(demo_search, ids, frozenset(visible.ids[visible.shown].tolist()))
    assert result.facets == expected
    assert [list(counts.items()) for counts in result.facets.values()] == [
        list(counts.items()) for counts in expected.values()
    ]  # same order too: most common first, ties as they first appear down the ranking
