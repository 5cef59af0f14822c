"""The host's decisions through the API take effect for everyone on the very next request."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.conftest import sign_in

Bearer = Callable[[str], dict[str, str]]
PENDING_XL = "CP-CHM-002"  # Lusmark's, waiting for its host's authorisation
QUERY = "brokered time-limited vendor remote access to plant control systems through a jump server"


def found_by(client: TestClient, headers: dict[str, str]) -> dict[str, dict[str, object]]:
    body = client.get("/api/v1/search", params={"q": QUERY, "limit": 50}, headers=headers).json()
    return {r["id"]: r for r in body["results"]}


def test_authorise_and_withdraw_change_what_another_user_finds_next(
    client: TestClient, bearer: Bearer, public_ids: dict[str, str]
) -> None:
    focal, reader = bearer("focal.xl"), bearer("reader.xp")
    pending = public_ids[PENDING_XL]
    assert pending not in found_by(client, reader)

    granted = client.post(f"/api/v1/practices/{PENDING_XL}/authorisations", headers=focal,
                          json={"scope": "public", "attribution": "anonymous"})
    assert granted.status_code == 201, granted.text
    assert granted.json()["status"] == "published"
    assert granted.json()["authorisations"][0]["scope"] == "public"
    assert granted.json()["authorisations"][0]["entered_via"] == "api"
    hit = found_by(client, reader)[pending]
    assert hit["host_state"] is None and "Lusmark" not in str(hit) and hit["reference"] is None
    assert client.get(f"/api/v1/practices/{pending}", headers=reader).json()["host_state"] is None

    withdrawn = client.post(f"/api/v1/practices/{PENDING_XL}/withdrawal", headers=focal)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["authorisations"][0]["withdrawn_at"] is not None
    assert pending not in found_by(client, reader)
    assert client.get(f"/api/v1/practices/{pending}", headers=reader).status_code == 404
    assert pending in [p["id"] for p in client.get("/api/v1/our-practices", headers=focal).json()]


def test_only_the_host_focal_point_decides(client: TestClient, bearer: Bearer, public_ids: dict[str, str]) -> None:
    def authorise(username: str, practice_id: str) -> int:
        return client.post(f"/api/v1/practices/{practice_id}/authorisations", headers=bearer(username),
                           json={"scope": "host_only", "attribution": "named"}).status_code

    assert authorise("focal.xc", public_ids["GP-NUC-001"]) == 403  # Aldoria's, shared with NSSN: XC sees it...
    assert authorise("focal.xl", public_ids["GP-NUC-001"]) == 404  # ...XL is not: unseen
    assert authorise("focal.xa", public_ids["GP-RAD-012"]) == 404  # Cassamar's, pending: unseen
    assert authorise("focal.xa", "GP-RAD-012") == 404  # nor by its reference, which only its host may use
    assert authorise("reader.xp", public_ids["GP-AVI-001"]) == 403  # Pelagon's own, but a reader does not decide
    assert authorise("focal.xc", public_ids["GP-NUC-002"]) == 403  # public, but Brevania's: not theirs to decide
    assert authorise("curator", public_ids["GP-RAD-012"]) == 403  # the secretariat does not decide for a host
    assert authorise("focal.xc", "GP-RAD-012") == 201  # the host itself, by its own reference
    hidden = client.post(f"/api/v1/practices/{public_ids['GP-NUC-001']}/refusal", headers=bearer("reader.xp"))
    by_reference = client.post("/api/v1/practices/GP-NUC-001/refusal", headers=bearer("reader.xp"))
    absent = client.post("/api/v1/practices/NO-SUCH-PRACTICE/refusal", headers=bearer("reader.xp"))
    assert hidden.status_code == absent.status_code == by_reference.status_code == 403
    assert client.post(f"/api/v1/practices/{public_ids['GP-NUC-002']}/withdrawal").status_code == 401


def test_a_decision_that_cannot_be_recorded_names_the_field(client: TestClient, bearer: Bearer) -> None:
    focal = bearer("focal.xl")
    url = "/api/v1/practices/GP-CHM-005/authorisations"
    missing = client.post(url, headers=focal, json={"scope": "networks", "attribution": "named"})
    unknown = client.post(url, headers=focal, json={"scope": "networks", "networks": ["NOPE"], "attribution": "named"})
    stray = client.post(url, headers=focal, json={"scope": "public", "networks": ["CSSN"], "attribution": "named"})
    for response in (missing, stray):
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body"]  # the request's own rule: scope and networks
        assert "networks" in response.json()["detail"][0]["msg"]
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "networks"]
    assert "NOPE" in unknown.json()["detail"][0]["msg"]
    bad_scope = client.post(url, headers=focal, json={"scope": "everyone", "attribution": "named"})
    assert bad_scope.status_code == 422 and bad_scope.json()["detail"][0]["loc"] == ["body", "scope"]
    no_attribution = client.post(url, headers=focal, json={"scope": "public"})
    assert no_attribution.status_code == 422
    assert no_attribution.json()["detail"][0]["loc"] == ["body", "attribution"]  # the host chooses, no default


def test_refusal_is_kept_in_the_history(client: TestClient, bearer: Bearer) -> None:
    refused = client.post("/api/v1/practices/CP-EVT-001/refusal", headers=bearer("focal.xl"))
    assert refused.status_code == 201
    latest = refused.json()["authorisations"][0]
    assert latest["scope"] == "host_only" and latest["decision"] == "refusal" and latest["in_force"]
    assert len(refused.json()["authorisations"]) >= 2


def test_our_practices_lists_every_entry_of_the_state_and_only_for_focal_points(
    client: TestClient, bearer: Bearer
) -> None:
    ours = client.get("/api/v1/our-practices", headers=bearer("focal.xl")).json()
    assert ours and {p["host_state"] for p in ours} == {"XL"}
    assert {"GP-AVI-002", "CP-NUC-009"} <= {p["reference"] for p in ours}  # host only, anonymous: still the host's
    assert all(p["authorisations"] is not None for p in ours)
    assert client.get("/api/v1/our-practices", headers=bearer("reader.xp")).status_code == 403
    assert client.get("/api/v1/our-practices").status_code == 401


def test_bearer_calls_need_no_csrf_token_but_cookie_calls_do(client: TestClient, bearer: Bearer) -> None:
    url = "/api/v1/practices/GP-CHM-005/authorisations"
    body = {"scope": "networks", "networks": ["CSSN"], "attribution": "named"}
    assert client.post(url, headers=bearer("focal.xl"), json=body).status_code == 201
    sign_in(client, "focal.xl")
    try:
        forged = client.post(url, json=body)
        assert forged.status_code == 403 and "expired" in forged.json()["detail"]
        token = client.get("/our-practices").text.split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post(url, json=body, headers={"X-CSRF-Token": token}).status_code == 201
    finally:
        client.cookies.clear()
