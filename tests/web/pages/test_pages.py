"""HTML pages without a browser: page or fragment, not found, CSRF, security headers, anonymisation."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, soup

HX = {"HX-Request": "true"}


def test_search_page_is_a_whole_page_and_a_fragment_for_htmx(client: TestClient) -> None:
    page = client.get("/", params={"q": "fire door propped open"})
    fragment = client.get("/", params={"q": "fire door propped open"}, headers=HX)
    restore = client.get("/", params={"q": "fire door propped open"},
                         headers={**HX, "HX-History-Restore-Request": "true"})
    assert soup(page.text).find("html") is not None
    assert soup(page.text).find("input", id="q")["value"] == "fire door propped open"
    assert fragment.text.lstrip().startswith('<div class="layout">')
    assert soup(fragment.text).find("html") is None
    assert soup(restore.text).find("html") is not None
    assert [a["href"] for a in soup(page.text).select(".result h3 a")] == [
        a["href"] for a in soup(fragment.text).select(".result h3 a")]
    for response in (page, fragment, restore):
        assert "HX-Request" in response.headers["vary"] and "Cookie" in response.headers["vary"]
        assert response.headers["cache-control"] == "no-store"


def test_facets_show_counts_and_filters_narrow_results(client: TestClient) -> None:
    page = soup(client.get("/", params={"q": "source security"}).text)
    kind = page.select("input[name=kind]")
    assert kind, "the kind facet should be offered"
    filtered = soup(client.get("/", params={"q": "source security", "kind": "country_practice"}).text)
    assert {b.get_text() for b in filtered.select(".result .badge")} == {"Country practice"}


def test_no_results_page_suggests_fewer_filters(client: TestClient) -> None:
    page = soup(client.get("/", params={"q": "zqxv wvut", "kind": "good_practice"}).text)
    empty = page.find(attrs={"data-testid": "no-results"})
    assert empty is not None
    assert "Try fewer filters" in empty.get_text()


def test_invisible_practice_page_is_not_found_like_a_missing_one(client: TestClient,
                                                                public_ids: dict[str, str]) -> None:
    hidden = client.get(f"/practices/{public_ids['GP-RAD-001']}")  # shared with RSSN only
    by_reference = client.get("/practices/GP-RAD-001")
    missing = client.get("/practices/NO-SUCH-ID")
    assert hidden.status_code == by_reference.status_code == missing.status_code == 404
    assert soup(hidden.text).find("h1").get_text() == soup(missing.text).find("h1").get_text() == "Not found"


def test_network_member_sees_the_network_practice(signed_in: Callable[[str], TestClient],
                                                 public_ids: dict[str, str]) -> None:
    client = signed_in("reader.xb")
    page = client.get(f"/practices/{public_ids['GP-RAD-001']}")
    assert page.status_code == 200
    assert "Door-held-open" in soup(page.text).find("h1").get_text()
    assert soup(page.text).select(".related a"), "related practices should be listed"
    assert "GP-RAD-001" not in page.text, "the secretariat's reference is not shown to a member of another state"
    assert client.get("/practices/GP-RAD-001").status_code == 404, "nor does it lead anywhere for them"


def test_old_links_by_reference_still_work_for_the_secretariat(signed_in: Callable[[str], TestClient],
                                                              public_ids: dict[str, str]) -> None:
    client = signed_in("curator")
    old = client.get("/practices/GP-RAD-001", follow_redirects=False)
    assert old.status_code == 308 and old.headers["location"] == f"/practices/{public_ids['GP-RAD-001']}"
    assert "GP-RAD-001" in client.get(old.headers["location"]).text


def test_anonymised_host_is_nowhere_on_the_practice_page(client: TestClient, public_ids: dict[str, str]) -> None:
    page = client.get(f"/practices/{public_ids['CP-NUC-001']}")  # public, anonymous, hosted by Aldoria (XA)
    assert page.status_code == 200
    article = soup(page.text).select_one("article.practice .practice-grid").get_text()
    assert "Aldoria" not in article and "CP-NUC-001" not in page.text
    assert soup(page.text).select_one("article.practice .host").get_text() == "Anonymised"


def test_markdown_is_rendered_without_script() -> None:
    from web.rendering import render_markdown

    html = soup(str(render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://a.example)")))
    assert html.find("strong").get_text() == "bold"
    assert html.find("script") is None
    assert [a["href"] for a in html.find_all("a")] == ["https://a.example"]


def test_post_without_csrf_token_is_rejected(client: TestClient) -> None:
    response = client.post("/signin", data={"username": "curator", "password": "demo-password"})
    assert response.status_code == 403
    assert client.get("/secretariat", follow_redirects=False).status_code == 303, "not signed in"


def test_post_with_a_wrong_csrf_token_is_rejected(client: TestClient) -> None:
    client.get("/signin")
    response = client.post("/signin", data={"username": "curator", "password": "demo-password",
                                            "csrf_token": "forged"})
    assert response.status_code == 403


def test_sign_in_shows_the_user_state_and_networks(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("expert.xs")
    who = soup(client.get("/").text).find(attrs={"data-testid": "who"}).get_text(" ", strip=True)
    assert "Expert from Solvenia" in who and "CSSN" in who


def test_wrong_password_is_refused(client: TestClient) -> None:
    token = csrf_of(client.get("/signin").text)
    response = client.post("/signin", data={"username": "curator", "password": "nope", "csrf_token": token})
    assert response.status_code == 401
    assert "do not match" in response.text


def test_security_headers_are_sent(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"]


def test_htmx_is_served_by_the_app(client: TestClient) -> None:
    response = client.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert "htmx" in response.text[:2000]


def test_pages_of_others_are_closed(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("reader.xb")
    assert client.get("/secretariat").status_code == 403
    assert client.get("/our-practices").status_code == 403


def test_browse_counts_equal_topic_page_totals(client: TestClient) -> None:
    tree = soup(client.get("/browse").text)
    for term in ("insider_threat", "prevention"):
        count = int(tree.find(attrs={"data-testid": f"count-{term}"}).get_text())
        page = soup(client.get(f"/browse/topic/{term}").text)
        total = page.find(attrs={"data-testid": "total"})
        assert (int(total.find("strong").get_text()) if total else 0) == count
