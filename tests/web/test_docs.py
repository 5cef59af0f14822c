"""The API docs page loads only what the app serves, under a content security policy without 'unsafe-inline'."""

from __future__ import annotations

import base64
import hashlib

from fastapi.testclient import TestClient

from tests.web.conftest import soup


def test_docs_reference_only_the_apps_own_static_files(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = soup(page.text)
    urls = [tag["src"] for tag in html.find_all("script", src=True)] + \
           [tag["href"] for tag in html.find_all("link", href=True)]
    assert urls and all(str(url).startswith("/static/vendor/") for url in urls), urls
    for url in urls:
        asset = client.get(str(url))
        assert asset.status_code == 200 and len(asset.content) > 500, url
    assert "cdn" not in page.text.lower() and "https://" not in page.text


def test_docs_allow_exactly_their_start_up_script(client: TestClient) -> None:
    page = client.get("/docs")
    policy = page.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    inline = [tag.string for tag in soup(page.text).find_all("script", src=False)]
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(str(inline[0]).encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}';" in policy
    assert "script-src 'self';" in client.get("/").headers["content-security-policy"]
    assert "sha256" not in client.get("/browse").headers["content-security-policy"]


def test_redoc_is_not_served_and_the_schema_documents_the_api(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
    schema = client.get("/openapi.json").json()
    for path, method in [("/api/v1/topics", "get"), ("/api/v1/our-practices", "get"), ("/api/v1/queues", "get"),
                         ("/api/v1/practices/{practice_id}/authorisations", "post"), ("/api/v1/audit", "get"),
                         ("/api/v1/users/{username}", "put"), ("/api/v1/networks/{code}", "put")]:
        ok = next(v for k, v in schema["paths"][path][method]["responses"].items() if k.startswith("2"))
        assert "schema" in ok["content"]["application/json"], (path, method)
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert "/api/v1/audit" in schema["paths"] and set(schema["paths"]["/api/v1/audit"]) == {"get"}
