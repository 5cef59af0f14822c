"""Mission and plan pages: what a person sees, with and without htmx, and what outsiders never see."""

from __future__ import annotations

from collections.abc import Callable

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of

SignIn = Callable[[str], TestClient]


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_a_focal_point_turns_a_finding_into_an_item_and_edits_it(signed_in: SignIn) -> None:
    client = signed_in("focal.xl")
    page = client.get("/missions/MIS-XL-2021-AVSEC")
    assert page.status_code == 200
    findings = soup(page.text).select("[data-testid=findings] li")
    assert [f["data-finding"] for f in findings][:2] == ["R-1", "R-2"]
    made = client.post("/missions/MIS-XL-2021-AVSEC/findings/R-1/plan-item",
                       data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/plans/XL#item-")
    item_id = made.headers["location"].rsplit("-", 1)[1]
    plan = client.get("/plans/XL")
    card = soup(plan.text).select_one(f"#item-{item_id}")
    assert card is not None and "The appropriate authority should require" in card.text
    form = {"csrf_token": csrf_of(plan.text), "functional_area": "physical_protection_regime",
            "description": "Random screening of staff at every airside gate", "priority": "P1",
            "responsible": "Civil Aviation Authority", "status": "in_progress", "due": "2027-05-31"}
    fragment = client.post(f"/plans/XL/items/{item_id}", data=form, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    swapped = soup(fragment.text).select_one(f"#item-{item_id}")
    assert swapped is not None and "P1" in swapped.text and "2027-05-31" in swapped.text
    plain = client.post(f"/plans/XL/items/{item_id}", data=form | {"priority": "P9"}, follow_redirects=False)
    assert plain.status_code == 422 and "<html" in plain.text and "priority" in plain.text


def test_matches_page_and_marks_work_without_javascript(signed_in: SignIn) -> None:
    client = signed_in("focal.xa")
    plan = client.get("/plans/XA")
    item = soup(plan.text).select_one("[data-testid=items] li")
    assert item is not None
    matches = client.get(f"/plans/XA/items/{item['data-item']}/matches")
    results = soup(matches.text).select("[data-testid=matches] li[data-practice]")
    assert 0 < len(results) <= 5
    first = results[0]["data-practice"]
    marked = client.post(f"/plans/XA/items/{item['data-item']}/marks",
                         data={"csrf_token": csrf_of(matches.text), "practice": first, "mark": "consider"})
    assert marked.status_code == 200
    assert soup(marked.text).select_one(f"li[data-practice='{first}'] [data-testid=mark]").text == "Consider"
    fragment = client.get(f"/plans/XA/items/{item['data-item']}/matches", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert soup(fragment.text).select_one("[data-testid=matches]") is not None


def test_outsiders_see_no_mission_and_no_unshared_plan(signed_in: SignIn) -> None:
    client = signed_in("reader.xb")
    assert client.get("/missions/MIS-XA-2016-IPPAS").status_code == 404
    assert client.get("/plans/XA").status_code == 404
    assert "MIS-XA" not in client.get("/missions").text


def test_the_printable_plan_lists_every_item(signed_in: SignIn) -> None:
    client = signed_in("focal.xc")
    page = client.get("/plans/XC/print")
    rows = soup(page.text).select("[data-testid=print] tbody tr")
    assert page.status_code == 200 and len(rows) == len(soup(client.get("/plans/XC").text).select(
        "[data-testid=items] li[data-item]"))


def test_the_needs_page_names_states_to_the_secretariat_only(signed_in: SignIn) -> None:
    secretariat = soup(signed_in("curator").get("/plans/needs").text)
    rows = secretariat.select("[data-testid=needs] tbody tr")
    assert rows and all(r.select("a[href^='/plans/']") for r in rows)
    assert len(secretariat.select("[data-testid=needs] thead th")) == 5
    focal = signed_in("focal.xa").get("/plans/needs")
    assert focal.status_code == 200
    table = soup(focal.text).select_one("[data-testid=needs]")
    assert table is not None and len(table.select("thead th")) == 2 and not table.select("a")
    assert "XA" not in table.text and "XC" not in table.text


def test_an_item_entered_directly_with_and_without_htmx_and_its_history(signed_in: SignIn) -> None:
    client = signed_in("focal.xa")
    plan = client.get("/plans/XA")
    assert soup(plan.text).select_one("[data-testid=new-item] form") is not None
    form = {"csrf_token": csrf_of(plan.text), "functional_area": "detection", "priority": "P3",
            "description": "Self-assessment: radiation portal monitors at the two land borders",
            "responsible": "Customs Authority", "due": "2027-06-30"}
    made = client.post("/plans/XA/items", data=form, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/plans/XA#item-")
    item_id = made.headers["location"].rsplit("-", 1)[1]
    card = soup(client.get("/plans/XA").text).select_one(f"#item-{item_id}")
    assert card is not None and "radiation portal monitors" in card.text and "P3" in card.text
    fragment = client.post("/plans/XA/items", data=form | {"description": "Second self-assessed need"},
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Second self-assessed need" in fragment.text
    refused = client.post("/plans/XA/items", data=form | {"priority": "P9", "description": "never stored"})
    assert refused.status_code == 422 and "priority" in refused.text
    assert "never stored" not in client.get("/api/v1/plans/XA").text
    edit = form | {"status": "in_progress", "priority": "P1"}
    assert client.post(f"/plans/XA/items/{item_id}", data=edit, follow_redirects=False).status_code == 303
    history = client.get(f"/plans/XA/items/{item_id}/changes")
    rows = soup(history.text).select("[data-testid=changes] tbody tr")
    texts = [" ".join(td.get_text(" ", strip=True) for td in r.select("td")) for r in rows]
    assert any("focal.xa" in t and "priority P3 P1" in t for t in texts), texts
    assert any("(new item)" in t for t in texts), texts
    assert signed_in("provider.nsap").get(f"/plans/XA/items/{item_id}/changes").status_code == 404


def test_an_administrator_creates_a_provider_and_attaches_a_provider_user(signed_in: SignIn) -> None:
    admin = signed_in("admin")
    page = admin.get("/secretariat/providers")
    assert page.status_code == 200
    token = csrf_of(page.text)
    bad = admin.post("/secretariat/providers", data={"csrf_token": token, "code": "not a code", "name": "X"})
    assert bad.status_code == 422 and "code" in bad.text and "NOT A CODE" in bad.text
    made = admin.post("/secretariat/providers", data={"csrf_token": token, "code": "gsap", "name": "Gulf Support"},
                      follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/secretariat/providers#p-GSAP"
    wrong = admin.post("/secretariat/providers/GSAP/people", data={"csrf_token": token, "username": "focal.xa"})
    assert wrong.status_code == 422 and "provider role" in wrong.text
    attached = admin.post("/secretariat/providers/GSAP/people", data={"csrf_token": token,
                                                                       "username": "provider.rstf"})
    assert attached.status_code == 200
    card = soup(attached.text).select_one("[data-provider=GSAP] [data-testid=provider-users]")
    assert card is not None and "provider.rstf" in card.text
    assert signed_in("focal.xa").get("/secretariat/providers").status_code in (403, 404)
    focal = signed_in("focal.xa")
    plan = focal.get("/plans/XA")
    assert "Gulf Support" in plan.text  # the state can now share its plan with the new provider
