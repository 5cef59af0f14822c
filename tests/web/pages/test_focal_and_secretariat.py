"""Focal point and secretariat pages, through forms as a browser without JavaScript would send them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from kb.config import Settings
from kb.db import make_engine
from kb.models import Practice, Status
from tests.web.conftest import csrf_of, soup


def version_of(page_html: str, practice_id: str) -> str:
    """Return the decision version the practice's form carries (what the host decides on)."""
    card = soup(page_html).find(attrs={"data-practice": practice_id})
    assert card is not None, practice_id
    return str(card.select_one("form.decision input[name=based_on]")["value"])


def test_focal_point_authorises_and_withdraws_with_plain_forms(signed_in: Callable[[str], TestClient],
                                                               public_ids: dict[str, str]) -> None:
    client = signed_in("focal.xl")
    practice = public_ids["CP-CHM-002"]
    page = client.get("/our-practices")
    token = csrf_of(page.text)
    rows = [li["data-practice"] for li in soup(page.text).select("[data-practice]")]
    assert practice in rows
    response = client.post(f"/our-practices/{practice}", data={
        "csrf_token": token, "action": "authorise", "scope": "public", "attribution": "named",
        "based_on": version_of(page.text, practice)}, follow_redirects=False)
    assert response.status_code == 303
    shown = client.get(response.headers["location"])
    notice = soup(shown.text).find(attrs={"data-testid": "notice"}).get_text(" ", strip=True)
    assert notice.startswith("Saved. Now: Shared with everyone (public), naming the host, from ")
    assert client.get(f"/practices/{practice}").status_code == 200
    unconfirmed = client.post(f"/our-practices/{practice}", headers={"HX-Request": "true"}, data={
        "csrf_token": token, "action": "withdraw", "based_on": version_of(shown.text, practice)})
    assert unconfirmed.status_code == 200 and soup(unconfirmed.text).find(attrs={"data-testid": "confirm"})
    assert client.get(f"/practices/{practice}").status_code == 200, "nothing changes before the host confirms"
    fragment = client.post(f"/our-practices/{practice}", headers={"HX-Request": "true"}, data={
        "csrf_token": token, "action": "withdraw", "confirmed": "true", "based_on": version_of(shown.text, practice)})
    assert fragment.status_code == 200
    assert soup(fragment.text).find("html") is None
    assert soup(fragment.text).find(attrs={"data-testid": "sharing"}).get_text(strip=True) == \
        "Not shared beyond your state"
    client.cookies.clear()
    assert client.get(f"/practices/{practice}").status_code == 404


def test_a_second_decision_on_what_the_host_saw_is_refused_as_changed_meanwhile(
    signed_in: Callable[[str], TestClient], public_ids: dict[str, str]
) -> None:
    """Two tabs (or a double click): the second decision was made on a state that no longer holds."""
    client = signed_in("focal.xl")
    practice = public_ids["GP-CHM-005"]
    page = client.get("/our-practices")
    token, version = csrf_of(page.text), version_of(page.text, practice)
    first = client.post(f"/our-practices/{practice}", follow_redirects=False, data={
        "csrf_token": token, "action": "authorise", "scope": "public", "attribution": "named", "based_on": version})
    assert first.status_code == 303
    second = client.post(f"/our-practices/{practice}", data={
        "csrf_token": token, "action": "authorise", "scope": "networks", "networks": "CSSN",
        "attribution": "anonymous", "confirmed": "true", "based_on": version})
    assert second.status_code == 409
    conflict = soup(second.text).find(attrs={"data-testid": "conflict"}).get_text(" ", strip=True)
    assert "Now in force: Shared with everyone (public), naming the host" in conflict


def test_sharing_anonymously_first_shows_what_outsiders_will_read(
    signed_in: Callable[[str], TestClient], public_ids: dict[str, str]
) -> None:
    client = signed_in("focal.xl")
    practice = public_ids["CP-EVT-001"]
    page = client.get("/our-practices")
    asked = client.post(f"/our-practices/{practice}", data={
        "csrf_token": csrf_of(page.text), "action": "authorise", "scope": "public", "attribution": "anonymous",
        "based_on": version_of(page.text, practice)})
    assert asked.status_code == 200
    preview = soup(asked.text).find(attrs={"data-testid": "preview"})
    assert preview is not None and "Lusmark" not in preview.select_one("p.outsiders").get_text()
    assert client.get(f"/practices/{practice}").status_code == 200  # the host sees its own entry, as before
    client.cookies.clear()
    assert client.get(f"/practices/{practice}").status_code == 404  # and nobody else does until confirmed


def test_focal_point_cannot_decide_for_another_state(signed_in: Callable[[str], TestClient],
                                                     public_ids: dict[str, str]) -> None:
    client = signed_in("focal.xl")
    token = csrf_of(client.get("/our-practices").text)
    data = {"csrf_token": token, "action": "authorise", "scope": "public", "attribution": "named", "based_on": "0"}
    assert client.post(f"/our-practices/{public_ids['GP-RAD-012']}", data=data).status_code == 404
    assert client.post("/our-practices/GP-RAD-012", data=data).status_code == 404


def test_practice_form_shows_problems_and_stores_nothing(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("curator")
    token = csrf_of(client.get("/secretariat/practices/new").text)
    response = client.post("/secretariat/practices/new", data={
        "csrf_token": token, "id": "GP-TEST-1", "kind": "good_practice", "title": "A title", "summary": "S",
        "host_state": "XA", "source_type": "ippas", "source_year": "2020", "domain": "security",
        "sector": "nuclear_power", "topic": "no_such_topic"})
    assert response.status_code == 422
    page = soup(response.text)
    assert "Topic" in page.find(attrs={"role": "alert"}).get_text()  # the summary names the field...
    assert "no_such_topic" in page.find(attrs={"data-testid": "error-topic"}).get_text()  # ...shown beside it
    assert client.get("/practices/GP-TEST-1").status_code == 404  # the secretariat's reference: nothing there


def test_audit_log_filters_by_person(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("admin")
    page = soup(client.get("/secretariat/audit", params={"actor": "demo"}).text)
    actors = {cell.get_text() for cell in page.select("table.audit [data-testid=who]")}
    assert actors == {"demo"}
    fragment = client.get("/secretariat/audit", params={"actor": "demo"}, headers={"HX-Request": "true"})
    assert soup(fragment.text).find("html") is None


def test_audit_log_credits_a_person_as_the_decision_history_does(signed_in: Callable[[str], TestClient],
                                                                 public_ids: dict[str, str]) -> None:
    focal = signed_in("focal.xl")
    practice = public_ids["GP-CHM-005"]
    page = focal.get("/our-practices")
    focal.post(f"/our-practices/{practice}", follow_redirects=False, data={
        "csrf_token": csrf_of(page.text), "action": "authorise", "scope": "public", "attribution": "named",
        "based_on": version_of(page.text, practice)})
    history = soup(focal.get("/our-practices").text).find(attrs={"data-practice": practice}).get_text(" ")
    assert "Focal Point of Lusmark (focal.xl)" in history
    admin = signed_in("admin")
    audit = soup(admin.get("/secretariat/audit", params={"actor": "focal.xl"}).text)
    who = {cell.get_text() for cell in audit.select("table.audit [data-testid=who]")}
    assert who == {"Focal Point of Lusmark (focal.xl)"}
    person = audit.select_one("#a-actor option[selected]")
    assert person is not None and person["value"] == "focal.xl"
    assert person.get_text() == "Focal Point of Lusmark (focal.xl)"


def test_networks_and_users_pages_list_the_directory(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("admin")
    assert "NSSN" in client.get("/secretariat/networks").text
    assert "focal.xa" in client.get("/secretariat/users").text


def test_the_pending_queue_shows_and_sorts_by_when_each_entry_was_submitted(
    signed_in: Callable[[str], TestClient], demo_app_settings: Settings
) -> None:
    engine = make_engine(demo_app_settings)
    with Session(engine) as session, session.begin():
        queued = session.exec(select(Practice).where(Practice.status == Status.pending)
                              .order_by(col(Practice.created_at), col(Practice.id))).all()[:2]
        first, second = queued  # submitted in the opposite order to their creation
        first.submitted_at = datetime(2025, 6, 9, 12, tzinfo=UTC)
        second.submitted_at = datetime(2025, 3, 4, 12, tzinfo=UTC)
        refs = {first.public_id: "9 Jun 2025", second.public_id: "4 Mar 2025"}
        earlier, later = second.public_id, first.public_id
    engine.dispose()
    client = signed_in("admin")
    for sort in ("oldest", "newest"):
        page = soup(client.get("/secretariat", params={"sort": sort}).text)
        rows = page.select("[data-testid=queue-pending] [data-testid=queued]")
        order = [row.select_one("a")["href"].rsplit("/", 1)[1] for row in rows]
        shown = dict(zip(order, [row.select_one("[data-testid=since]").get_text(strip=True) for row in rows],
                         strict=True))
        assert {k: shown[k] for k in refs} == refs
        assert "Submitted" in page.select_one("[data-testid=queue-pending] thead").get_text()
        assert (order.index(earlier) < order.index(later)) == (sort == "oldest"), sort
