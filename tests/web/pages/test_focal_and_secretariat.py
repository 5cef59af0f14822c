"""Focal point and secretariat pages, through forms as a browser without JavaScript would send them."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, soup


def test_focal_point_authorises_and_withdraws_with_plain_forms(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("focal.xl")
    page = client.get("/our-practices")
    token = csrf_of(page.text)
    rows = [li["data-practice"] for li in soup(page.text).select("[data-practice]")]
    assert "CP-CHM-002" in rows
    response = client.post("/our-practices/CP-CHM-002", data={"csrf_token": token, "action": "authorise",
                                                              "scope": "public", "attribution": "named"},
                           follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/practices/CP-CHM-002").status_code == 200
    fragment = client.post("/our-practices/CP-CHM-002", data={"csrf_token": token, "action": "withdraw"},
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert soup(fragment.text).find("html") is None
    assert soup(fragment.text).find(attrs={"data-testid": "sharing"}).get_text(strip=True) == "Not shared"
    client.cookies.clear()
    assert client.get("/practices/CP-CHM-002").status_code == 404


def test_focal_point_cannot_decide_for_another_state(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("focal.xl")
    token = csrf_of(client.get("/our-practices").text)
    response = client.post("/our-practices/GP-RAD-012", data={"csrf_token": token, "action": "authorise",
                                                              "scope": "public"})
    assert response.status_code == 404


def test_practice_form_shows_problems_and_stores_nothing(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("curator")
    token = csrf_of(client.get("/secretariat/practices/new").text)
    response = client.post("/secretariat/practices/new", data={
        "csrf_token": token, "id": "GP-TEST-1", "kind": "good_practice", "title": "A title", "summary": "S",
        "host_state": "XA", "source_type": "ippas", "source_year": "2020", "domain": "security",
        "sector": "nuclear_power", "topic": "no_such_topic"})
    assert response.status_code == 422
    assert "no_such_topic" in soup(response.text).find(attrs={"role": "alert"}).get_text()
    assert client.get("/practices/GP-TEST-1").status_code == 404


def test_audit_log_filters_by_person(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("admin")
    page = soup(client.get("/secretariat/audit", params={"actor": "demo"}).text)
    actors = {row.find_all("td")[1].get_text() for row in page.select("table.audit tbody tr")}
    assert actors == {"demo"}
    fragment = client.get("/secretariat/audit", params={"actor": "demo"}, headers={"HX-Request": "true"})
    assert soup(fragment.text).find("html") is None


def test_networks_and_users_pages_list_the_directory(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("admin")
    assert "NSSN" in client.get("/secretariat/networks").text
    assert "focal.xa" in client.get("/secretariat/users").text
