"""The topic tree through the API counts only what the caller may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Bearer = Callable[[str], dict[str, str]]


def flatten(nodes: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in nodes:
        counts[node["id"]] = node["count"]
        counts.update(flatten(node["children"]))
    return counts


def test_topic_counts_follow_the_callers_permissions(client: TestClient, bearer: Bearer) -> None:
    public = client.get("/api/v1/topics").json()
    secretariat = client.get("/api/v1/topics", headers=bearer("curator")).json()
    assert set(public["vocabularies"]) == {"topic", "sector", "domain"}
    assert public["total"] < secretariat["total"]
    public_topics, all_topics = flatten(public["vocabularies"]["topic"]), flatten(secretariat["vocabularies"]["topic"])
    assert public_topics.keys() == all_topics.keys()
    assert all(public_topics[t] <= all_topics[t] for t in all_topics)
    assert any(public_topics[t] < all_topics[t] for t in all_topics)


def test_topic_counts_match_what_a_search_under_the_topic_finds(client: TestClient) -> None:
    topics = client.get("/api/v1/topics").json()["vocabularies"]["topic"]
    for node in topics[:3]:
        found = client.get("/api/v1/search", params={"topic": node["id"], "limit": 1}).json()
        assert found["total"] == node["count"], node["id"]
