"""Networks, users and the audit log through the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from fastapi.testclient import TestClient

Bearer = Callable[[str], dict[str, str]]
NSSN_ONLY = "GP-NUC-001"  # Aldoria's, shared with the NSSN only


def test_participation_decides_what_members_see_next(client: TestClient, bearer: Bearer,
                                                     public_ids: dict[str, str]) -> None:
    curator, reader = bearer("curator"), bearer("reader.xp")
    nssn_only = public_ids[NSSN_ONLY]
    nssn = client.get("/api/v1/networks/NSSN", headers=curator).json()
    assert "XP" not in nssn["states"]
    assert client.get(f"/api/v1/practices/{nssn_only}", headers=reader).status_code == 404

    joined = client.put("/api/v1/networks/NSSN", headers=curator, json={"states": [*nssn["states"], "xp"]})
    assert joined.status_code == 200 and "XP" in joined.json()["states"]
    assert client.get(f"/api/v1/practices/{nssn_only}", headers=reader).status_code == 200

    client.put("/api/v1/networks/NSSN", headers=curator, json={"states": nssn["states"]})
    assert client.get(f"/api/v1/practices/{nssn_only}", headers=reader).status_code == 404


def test_network_changes_are_checked(client: TestClient, bearer: Bearer) -> None:
    curator = bearer("curator")
    unknown = client.put("/api/v1/networks/NSSN", headers=curator, json={"states": ["QQ"]})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "states"]
    assert client.put("/api/v1/networks/NOPE", headers=curator, json={"states": []}).status_code == 404
    assert {n["code"] for n in client.get("/api/v1/networks", headers=curator).json()} >= {"NSSN", "CSSN"}
    assert client.get("/api/v1/networks", headers=bearer("focal.xa")).status_code == 403


def test_only_administrators_change_users(client: TestClient, bearer: Bearer) -> None:
    change = {"role": "reader", "state": "XP", "networks": ["CSSN"]}
    denied = client.put("/api/v1/users/reader.xp", headers=bearer("curator"), json=change)
    assert denied.status_code == 403 and "administrator" in denied.json()["detail"]
    saved = client.put("/api/v1/users/reader.xp", headers=bearer("admin"), json=change)
    assert saved.status_code == 200 and saved.json()["networks"] == ["CSSN"]
    assert "password" not in saved.json() and "password_hash" not in saved.json()
    assert client.get("/api/v1/users/reader.xp", headers=bearer("curator")).json()["networks"] == ["CSSN"]

    no_password = client.put("/api/v1/users/new.reader", headers=bearer("admin"), json={"role": "reader",
                                                                                         "state": "XP"})
    assert no_password.status_code == 422 and no_password.json()["detail"][0]["loc"] == ["body", "password"]
    stateless = client.put("/api/v1/users/new.reader", headers=bearer("admin"),
                           json={"role": "focal_point", "password": "a-long-enough-password"})
    assert stateless.status_code == 422 and stateless.json()["detail"][0]["loc"] == ["body", "state"]
    assert client.get("/api/v1/users/new.reader", headers=bearer("admin")).status_code == 404


def test_audit_log_filters_and_cannot_be_changed(client: TestClient, bearer: Bearer) -> None:
    curator = bearer("curator")
    client.post("/api/v1/practices/GP-AVI-003/withdrawal", headers=bearer("focal.xa"))
    today = date.today()
    events = client.get("/api/v1/audit", headers=curator, params={
        "actor": "focal.xa", "object_type": "practice", "object_id": "GP-AVI-003",
        "since": str(today - timedelta(days=1)), "until": str(today + timedelta(days=1))}).json()
    assert [(e["actor"], e["action"], e["object_id"]) for e in events] == \
        [("focal.xa", "authorisation.withdraw", "GP-AVI-003")]
    assert events[0]["before"]["withdrawn"] is False and events[0]["after"]["withdrawn"] is True
    old = client.get("/api/v1/audit", headers=curator, params={"actor": "focal.xa", "until": "2000-01-01"})
    assert old.json() == []
    backwards = client.get("/api/v1/audit", headers=curator, params={"since": "2024-02-01", "until": "2024-01-01"})
    assert backwards.status_code == 422 and backwards.json()["detail"][0]["loc"] == ["query", "since"]
    assert client.get("/api/v1/audit", headers=bearer("focal.xa")).status_code == 403
    event_id = events[0]["id"]
    for method in ("PUT", "PATCH", "DELETE"):
        assert client.request(method, "/api/v1/audit", headers=curator).status_code == 405
        assert client.request(method, f"/api/v1/audit/{event_id}", headers=curator).status_code == 404
