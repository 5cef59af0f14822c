"""Query vectors are cached per requester: how fast an answer comes tells nobody what someone else searched."""

from __future__ import annotations

import numpy as np

from index.embedder import Embedder


def test_one_requester_cannot_hit_another_requesters_cached_query(embedder: Embedder) -> None:
    cache = embedder.cache  # type: ignore[attr-defined]
    query = "a phrase only the focal point of one state has searched for"
    first = embedder.encode_query(query, requester="user:1")
    hits = cache.hits
    again = embedder.encode_query(query, requester="user:1")
    assert cache.hits == hits + 1 and np.array_equal(first, again)  # the same requester: from the cache
    other = embedder.encode_query(query, requester="user:2")
    assert cache.hits == hits + 1, "another requester's first search of it is not a cache hit"
    assert np.allclose(other, first, atol=1e-6)
    embedder.encode_query(query)
    assert cache.hits == hits + 1, "without a requester nothing is cached or read from the cache"
