"""Statistics through the API: the response shape, disclosure control by caller, the secretariat's view, bad input."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from kb.models import Finding

Bearer = Callable[[str], dict[str, str]]


def test_public_table_counts_only_cells_enough_states_share(client: TestClient) -> None:
    body = client.get("/api/v1/statistics", params={"rows": "source_type"}).json()
    assert set(body) >= {"rows", "columns", "cells", "row_totals", "column_totals", "total", "rule"}
    assert body["rule"] == {"min_states": 3, "max_share": 70.0}
    assert body["exact"] is False and body["columns"] == []
    assert {c["row"] for c in body["cells"]} == {r["id"] for r in body["rows"]}
    assert all((c["count"] is None) == c["suppressed"] and c["states"] is None for c in body["cells"])
    assert any(c["suppressed"] for c in body["cells"]) and any(not c["suppressed"] for c in body["cells"])
    assert body["total"] == sum(c["count"] or 0 for c in body["cells"])


def test_shown_counts_are_what_a_search_finds(client: TestClient, bearer: Bearer) -> None:
    headers = bearer("reader.xb")
    body = client.get("/api/v1/statistics", params={"rows": "kind"}, headers=headers).json()
    shown = [c for c in body["cells"] if not c["suppressed"]]
    assert shown
    for cell in shown:
        found = client.get("/api/v1/search", params={"kind": cell["row"], "limit": 1}, headers=headers).json()
        assert found["total"] == cell["count"], cell


def test_two_dimensions_total_the_shown_cells(client: TestClient, bearer: Bearer) -> None:
    body = client.get("/api/v1/statistics", params={"rows": "topic_group", "columns": "kind"},
                      headers=bearer("reader.xk")).json()
    assert [c["id"] for c in body["columns"]] == ["good_practice", "country_practice"]
    assert len(body["cells"]) == len(body["rows"]) * len(body["columns"])
    for row in body["rows"]:
        assert body["row_totals"][row["id"]] == sum(c["count"] or 0 for c in body["cells"] if c["row"] == row["id"])
    for column in body["columns"]:
        assert body["column_totals"][column["id"]] == sum(
            c["count"] or 0 for c in body["cells"] if c["column"] == column["id"])


def test_secretariat_gets_exact_counts_with_states_and_a_preview(client: TestClient, bearer: Bearer) -> None:
    params = {"rows": "year", "columns": "domain"}
    exact = client.get("/api/v1/statistics", params=params, headers=bearer("curator")).json()
    assert exact["exact"] is True
    assert all(not c["suppressed"] and c["count"] is not None and c["states"] is not None for c in exact["cells"])
    assert exact["total"] == sum(c["count"] for c in exact["cells"])
    preview = client.get("/api/v1/statistics", params={**params, "preview": "true"}, headers=bearer("curator")).json()
    assert preview == client.get("/api/v1/statistics", params=params).json()
    assert preview["exact"] is False


def test_filters_narrow_the_table(client: TestClient, bearer: Bearer) -> None:
    params = {"rows": "kind", "year_from": 2020}
    body = client.get("/api/v1/statistics", params=params, headers=bearer("curator")).json()
    every = client.get("/api/v1/statistics", params={"rows": "kind"}, headers=bearer("curator")).json()
    assert 0 < body["total"] < every["total"]


def test_unknown_dimension_is_refused_naming_the_allowed_ones(client: TestClient) -> None:
    response = client.get("/api/v1/statistics", params={"rows": "host_state"})
    assert response.status_code == 422
    text = response.text
    assert "rows" in text and "host_state" in text and "topic_group" in text and "source_type" in text
    same = client.get("/api/v1/statistics", params={"rows": "year", "columns": "year"})
    assert same.status_code == 422 and "columns" in same.text
    term = client.get("/api/v1/statistics", params={"rows": "year", "topic": "no_such_topic"})
    assert term.status_code == 422 and "no_such_topic" in term.text


def test_practices_drawn_from_mission_findings_count_by_functional_area(
    client: TestClient, bearer: Bearer, demo_engine: Engine
) -> None:
    with Session(demo_engine) as session:
        drawn = Counter(session.exec(
            select(Finding.functional_area).where(col(Finding.practice_id).is_not(None))))
    body = client.get("/api/v1/statistics", params={"rows": "functional_area"}, headers=bearer("curator")).json()
    assert {c["row"]: c["count"] for c in body["cells"] if c["count"]} == dict(drawn)
    assert {r["id"] for r in body["rows"]} >= set(drawn), "every area of the vocabulary is a row"
