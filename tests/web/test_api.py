"""The JSON API: the search shape, 'not found' for what the caller may not see, bearer tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from index.embedder import Embedder
from kb.accounts import issue_token, revoke_tokens, user_by_name
from kb.config import Settings
from web.app import create_app

NETWORK_ONLY_NAMED = "GP-NUC-010"  # XB, shared with NSSN by name
QUERY = "only two people together may open the vault where fresh fuel is kept"


@pytest.fixture(scope="module")
def client(demo_settings: Settings, demo_engine: Engine, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(demo_settings, embedder=embedder)) as client:
        yield client


def token_for(engine: Engine, username: str) -> str:
    with Session(engine) as session, session.begin():
        user = user_by_name(session, username)
        assert user is not None
        return issue_token(session, user=user, actor="test")


def test_search_returns_the_documented_shape(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "radioactive source stolen from a truck"}).json()
    assert set(body) >= {"total", "results", "facets"}
    assert body["results"], body
    result = body["results"][0]
    assert set(result) >= {"id", "title", "summary", "kind", "domain", "sector", "topic", "host_state", "score"}
    assert set(body["facets"]) >= {"domain", "sector", "topic", "kind", "host_state", "year"}
    assert body["total"] >= len(body["results"])


def test_public_view_never_contains_network_only_practices(client: TestClient, demo_engine: Engine,
                                                          public_ids: dict[str, str]) -> None:
    network_only = public_ids[NETWORK_ONLY_NAMED]
    public = client.get("/api/v1/search", params={"q": QUERY, "limit": 50}).json()
    assert network_only not in [r["id"] for r in public["results"]]
    assert client.get(f"/api/v1/practices/{network_only}").status_code == 404

    headers = {"Authorization": f"Bearer {token_for(demo_engine, 'reader.xb')}"}
    member = client.get("/api/v1/search", params={"q": QUERY}, headers=headers).json()
    assert network_only in [r["id"] for r in member["results"]]
    page = client.get(f"/api/v1/practices/{network_only}", headers=headers)
    assert page.status_code == 200 and page.json()["host_state"] == "XB"


def test_invisible_and_absent_practices_are_the_same_not_found(client: TestClient, public_ids: dict[str, str]) -> None:
    hidden = client.get(f"/api/v1/practices/{public_ids[NETWORK_ONLY_NAMED]}")
    by_reference = client.get(f"/api/v1/practices/{NETWORK_ONLY_NAMED}")
    absent = client.get("/api/v1/practices/NO-SUCH-PRACTICE")
    assert hidden.status_code == by_reference.status_code == absent.status_code == 404
    assert hidden.json() == by_reference.json() == absent.json()
    assert {k: v for k, v in hidden.headers.items() if k not in ("date",)} == \
        {k: v for k, v in absent.headers.items() if k not in ("date",)}


def test_a_revoked_or_unknown_token_is_refused_not_read_as_the_public(
    client: TestClient, demo_engine: Engine, public_ids: dict[str, str]
) -> None:
    network_only = public_ids[NETWORK_ONLY_NAMED]
    token = token_for(demo_engine, "reader.xb")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/practices/{network_only}", headers=headers).status_code == 200
    with Session(demo_engine) as session, session.begin():
        user = user_by_name(session, "reader.xb")
        assert user is not None
        revoke_tokens(session, user=user, actor="test")
    for refused in (headers, {"Authorization": "Bearer kb_not-a-token"}):
        for path in (f"/api/v1/practices/{network_only}", "/api/v1/search?q=fuel"):
            response = client.get(path, headers=refused)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"].startswith("Bearer")


def test_anonymised_host_is_null_in_search_and_practice(client: TestClient) -> None:
    body = client.get("/api/v1/search", params={"q": "security", "limit": 100}).json()
    assert body["total"] == len(body["results"]), "every match is on this page, so the facet can be checked"
    anonymous = [r for r in body["results"] if r["host_state"] is None]
    assert anonymous, "the demo has public anonymous practices"
    shown_hosts = sum(body["facets"]["host_state"].values())
    assert shown_hosts == body["total"] - len(anonymous)  # the host facet counts exactly the named ones
    detail = client.get(f"/api/v1/practices/{anonymous[0]['id']}").json()
    assert detail["host_state"] is None and detail["reference"] is None
    assert detail["authorisations"] is None


def test_bad_parameters_are_rejected_with_the_field_named(client: TestClient) -> None:
    response = client.get("/api/v1/search", params={"q": "x", "limit": 0})
    assert response.status_code == 422
    assert "limit" in response.text


def test_an_unknown_filter_value_names_the_field_and_the_closest_term(client: TestClient) -> None:
    response = client.get("/api/v1/search", params={"q": "x", "topic": "insider threats"})
    assert response.status_code == 422
    problem = response.json()["detail"][0]
    assert problem["loc"] == ["query", "topic"] and problem["input"] == "insider threats"
    assert problem["msg"].startswith("unknown value (did you mean 'insider_threat'?); allowed: ")
    assert "did you mean 'insider_threat'?" in problem["msg"]
