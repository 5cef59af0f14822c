"""Secretariat curation through the API: create, edit, ingest a file whole or not at all, the queues."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Bearer = Callable[[str], dict[str, str]]


def record(external_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "id": external_id, "kind": "good_practice", "title": "Badge audits at the source store",
        "summary": "Quarterly audits of who holds a badge for the radioactive source store.",
        "host_state": "XA", "source": {"type": "ippas", "year": 2021}, "domain": ["security"],
        "sector": ["radioactive_sources"], "topic": ["insider_threat"], "status": "draft", **overrides,
    }


def test_curator_creates_and_edits_a_practice(client: TestClient, bearer: Bearer) -> None:
    curator = bearer("curator")
    created = client.post("/api/v1/practices", headers=curator, json=record("GP-API-001"))
    assert created.status_code == 201, created.text
    assert created.json()["host_state"] == "XA" and created.json()["status"] == "draft"
    again = client.post("/api/v1/practices", headers=curator, json=record("GP-API-001"))
    assert again.status_code == 409 and "GP-API-001" in again.json()["detail"]

    edited = client.put("/api/v1/practices/GP-API-001", headers=curator,
                        json=record("GP-API-001", title="Badge audits, monthly"))
    assert edited.status_code == 200 and edited.json()["title"] == "Badge audits, monthly"
    assert client.get("/api/v1/practices/GP-API-001", headers=bearer("reader.xp")).status_code == 404
    mismatch = client.put("/api/v1/practices/GP-API-001", headers=curator, json=record("GP-API-002"))
    assert mismatch.status_code == 422 and mismatch.json()["detail"][0]["loc"] == ["body", "id"]
    assert client.put("/api/v1/practices/NO-SUCH", headers=curator, json=record("NO-SUCH")).status_code == 404


def test_a_bad_record_is_refused_naming_the_field(client: TestClient, bearer: Bearer) -> None:
    curator = bearer("curator")
    unknown_topic = client.post("/api/v1/practices", headers=curator,
                                json=record("GP-API-BAD", topic=["no_such_topic"]))
    assert unknown_topic.status_code == 422
    problem = unknown_topic.json()["detail"][0]
    assert problem["loc"] == ["body", "topic"] and "no_such_topic" in json.dumps(problem)
    missing_title = record("GP-API-BAD")
    del missing_title["title"]
    response = client.post("/api/v1/practices", headers=curator, json=missing_title)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "title"]
    assert client.get("/api/v1/practices/GP-API-BAD", headers=curator).status_code == 404


def test_only_the_secretariat_curates(client: TestClient, bearer: Bearer) -> None:
    assert client.post("/api/v1/practices", json=record("GP-API-X")).status_code == 401
    denied = client.post("/api/v1/practices", headers=bearer("focal.xa"), json=record("GP-API-X"))
    assert denied.status_code == 403 and "secretariat" in denied.json()["detail"]
    assert client.get("/api/v1/queues", headers=bearer("reader.xp")).status_code == 403


def test_an_upload_with_one_bad_record_stores_nothing(client: TestClient, bearer: Bearer) -> None:
    curator = bearer("curator")
    lines = [json.dumps(record("GP-UP-001")), json.dumps(record("GP-UP-002", sector=["no_such_sector"]))]
    response = client.post("/api/v1/ingest", headers=curator,
                           files={"file": ("batch.jsonl", "\n".join(lines).encode(), "application/x-ndjson")})
    assert response.status_code == 422, response.text
    report = response.json()
    assert report["ok"] is False and report["added"] == 0
    assert [(p["line"], p["record_id"]) for p in report["problems"]] == [(2, "GP-UP-002")]
    assert "no_such_sector" in report["problems"][0]["message"]
    assert client.get("/api/v1/practices/GP-UP-001", headers=curator).status_code == 404

    good = client.post("/api/v1/ingest", headers=curator,
                       files={"file": ("batch.jsonl", lines[0].encode(), "application/x-ndjson")})
    assert good.status_code == 200 and good.json()["added"] == 1 and good.json()["problems"] == []
    assert client.get("/api/v1/practices/GP-UP-001", headers=curator).status_code == 200


def test_queues_list_drafts_and_pending_entries(client: TestClient, bearer: Bearer) -> None:
    queues = client.get("/api/v1/queues", headers=bearer("curator")).json()
    assert "CP-RAD-008" in [p["reference"] for p in queues["drafts"]]
    assert {"GP-RAD-012", "GP-NUC-010"} <= {p["reference"] for p in queues["pending"]}
