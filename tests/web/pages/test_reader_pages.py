"""The reader's pages without a browser: the way back to the search, the count for screen readers, help pages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import soup

HX = {"HX-Request": "true"}


def crumb(client: TestClient, practice: str, referer: str) -> str:
    page = soup(client.get(f"/practices/{practice}", headers={"Referer": referer}).text)
    return str(page.select_one("nav.crumbs a")["href"])


def test_breadcrumb_leads_back_to_the_search_the_reader_came_from_on_this_site(
    client: TestClient, public_ids: dict[str, str]
) -> None:
    practice = public_ids["CP-NUC-001"]
    assert crumb(client, practice, "http://testserver/?q=fire+door&kind=good_practice") == \
        "/?q=fire+door&kind=good_practice"
    assert crumb(client, practice, "http://testserver/browse/topic/insider_threat?q=x") == \
        "/browse/topic/insider_threat?q=x"
    for elsewhere in ("https://evil.example/?q=x", "http://testserver/secretariat/audit?q=x", "javascript:x", ""):
        assert crumb(client, practice, elsewhere) == "/", elsewhere


def test_a_fragment_updates_the_one_live_count_out_of_band(client: TestClient) -> None:
    page = soup(client.get("/", params={"q": "fire door propped open"}).text)
    fragment = soup(client.get("/", params={"q": "fire door propped open"}, headers=HX).text)
    [live] = page.select("[aria-live]")
    assert live["id"] == "result-count" and page.select_one("#results").get("aria-live") is None
    oob = fragment.select_one("#result-count")
    assert oob["hx-swap-oob"] == "innerHTML"
    assert oob.get_text(" ", strip=True) == live.get_text(" ", strip=True)
    ids = [box["id"] for box in fragment.select(".facets input[type=checkbox]")]
    assert ids and len(ids) == len(set(ids)), "every filter has its own id, so focus returns to it"


def test_help_pages_and_the_icon_are_served(client: TestClient) -> None:
    for path, heading in [("/about", "About the knowledge base"), ("/help", "Describing a problem well"),
                          ("/glossary", "Glossary"), ("/accessibility", "Accessibility statement")]:
        page = soup(client.get(path).text)
        assert page.find("h1").get_text() == heading
        assert [a["href"] for a in page.select("footer nav a")] == ["/about", "/help", "/glossary", "/accessibility"]
    glossary = soup(client.get("/glossary").text).get_text(" ")
    assert "Insider threat" in glossary and "Radioactive sources (medical and industrial)" in glossary
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
