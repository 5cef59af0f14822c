"""The alerts API: the caller's own saved searches and topics; another person's are missing; bad input named."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_save_list_change_and_delete_an_alert(client: TestClient, bearer: Callable[[str], dict[str, str]]) -> None:
    me = bearer("reader.xb")
    made = client.post("/api/v1/alerts", headers=me, json={
        "name": "Drones at airports", "q": "drone over the apron", "filters": {"sector": ["aviation"]},
        "frequency": "asap"})
    assert made.status_code == 201, made.text
    alert = made.json()
    assert alert["filters"] == {"sector": ["aviation"]} and alert["last_delivered"] is None
    topic = client.post("/api/v1/alerts", headers=me, json={"topic": "insider_threat", "frequency": "weekly"})
    assert topic.json()["name"] == "Insider threat" and topic.json()["kind"] == "topic"
    listed = client.get("/api/v1/alerts", headers=me).json()
    assert {a["id"] for a in listed} >= {alert["id"], topic.json()["id"]}

    paused = client.patch(f"/api/v1/alerts/{alert['id']}", headers=me, json={"frequency": "paused"})
    assert paused.json()["frequency"] == "paused"
    assert client.get(f"/api/v1/alerts/{alert['id']}/deliveries", headers=me).json() == []
    assert client.delete(f"/api/v1/alerts/{alert['id']}", headers=me).status_code == 204
    assert alert["id"] not in {a["id"] for a in client.get("/api/v1/alerts", headers=me).json()}


def test_another_persons_alert_is_missing_and_the_public_must_sign_in(
        client: TestClient, bearer: Callable[[str], dict[str, str]]) -> None:
    theirs = client.post("/api/v1/alerts", headers=bearer("reader.xk"),
                         json={"topic": "transport"}).json()["id"]
    mine = bearer("reader.xp")
    answer = client.patch(f"/api/v1/alerts/{theirs}", headers=mine, json={"frequency": "paused"})
    missing = client.patch("/api/v1/alerts/nosuchalert1", headers=mine, json={"frequency": "paused"})
    assert answer.status_code == missing.status_code == 404 and answer.json() == missing.json()
    assert client.get("/api/v1/alerts").status_code == 401


def test_bad_input_names_the_field(client: TestClient, bearer: Callable[[str], dict[str, str]]) -> None:
    answer = client.post("/api/v1/alerts", headers=bearer("reader.xb"),
                         json={"name": "x", "q": "fire", "filters": {"topic": ["insider-threat"]}})
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "topic"] and "insider_threat" in problem["msg"]
    unnamed = client.post("/api/v1/alerts", headers=bearer("reader.xb"), json={"q": "fire"})
    assert unnamed.json()["detail"][0]["loc"] == ["body", "name"]
