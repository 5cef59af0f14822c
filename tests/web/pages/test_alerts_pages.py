"""My alerts: save a search, follow a topic, change the frequency, pause, delete; the manage link of a message."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from kb.alerts import manage_token
from kb.config import Settings
from kb.db import make_engine
from kb.models import Alert, Frequency
from tests.web.conftest import csrf_of, soup


def alert_rows(client: TestClient) -> dict[str, list[str]]:
    """Return each alert on the My alerts page: its name, terms, selected frequency and last delivery."""
    page = soup(client.get("/alerts").text)
    rows = {}
    for row in page.select("[data-testid=alerts] tbody tr"):
        cells = row.find_all("td")
        selected = row.select_one("select option[selected]")
        rows[cells[0].strong.get_text()] = [cells[1].get_text(strip=True), selected.get_text() if selected else "",
                                            cells[3].get_text(strip=True)]
    return rows


def test_the_public_neither_saves_nor_manages_alerts(client: TestClient) -> None:
    page = soup(client.get("/", params={"q": "insider"}).text)
    assert page.select_one("[data-testid=save-search]") is None and page.select_one("#save-search-terms") is None
    assert client.get("/alerts", follow_redirects=False).status_code == 303
    assert "My alerts" not in page.select_one("nav").get_text()


def test_save_a_search_then_pause_and_delete_it(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("reader.xb")
    page = client.get("/", params={"q": "staff reluctant to report a colleague", "sector": "nuclear_power"})
    form = soup(page.text).select_one("[data-testid=save-search]")
    assert form is not None and "My alerts" in soup(page.text).select_one("nav").get_text()
    terms = form.select_one("input[name=search]")["value"]
    response = client.post(form["action"], data={"name": "Reporting colleagues", "frequency": "weekly",
                                                 "search": terms, "csrf_token": csrf_of(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/alerts?saved=")
    rows = alert_rows(client)
    assert rows["Reporting colleagues"] == ['"staff reluctant to report a colleague"; sector: nuclear_power',
                                            "weekly", "not yet"]

    page = client.get("/alerts")
    action = soup(page.text).select_one("form[action$='/frequency']")["action"]
    client.post(action, data={"frequency": "paused", "csrf_token": csrf_of(page.text)})
    assert alert_rows(client)["Reporting colleagues"][1] == "paused"
    client.post(action.replace("/frequency", "/delete"), data={"csrf_token": csrf_of(page.text)})
    assert "Reporting colleagues" not in alert_rows(client)


def test_the_save_form_follows_the_search_as_htmx_updates_it_and_keeps_a_topic_page_s_topic(
        signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("reader.xb")
    fragment = client.get("/", params={"q": "phishing operators"}, headers={"HX-Request": "true"})
    terms = soup(fragment.text).select_one("#save-search-terms[hx-swap-oob]")
    assert terms is not None and terms["value"] == "?q=phishing+operators"
    topic_page = soup(client.get("/browse/topic/transport", params={"q": "escort"}).text)
    assert topic_page.select_one("#save-search-terms")["value"] == "?q=escort&topic=transport"


def test_a_search_without_a_name_is_refused_with_the_field_named(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("reader.xb")
    page = client.get("/", params={"q": "phishing"})
    response = client.post("/alerts", data={"name": " ", "search": "?q=phishing", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 422
    assert "name: give the alert a name" in soup(response.text).select_one(".alert.error").get_text()


def test_follow_a_topic_from_its_page(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("reader.xk")
    page = client.get("/browse/topic/insider_threat")
    form = soup(page.text).select_one("[data-testid=follow]")
    assert form is not None
    client.post("/alerts/follow", data={"topic": "insider_threat", "csrf_token": csrf_of(page.text)})
    client.post("/alerts/follow", data={"topic": "insider_threat", "csrf_token": csrf_of(page.text)})
    rows = alert_rows(client)
    assert [name for name in rows if rows[name][0] == "topic: insider_threat"] == ["Insider threat"], rows


def test_another_persons_alert_is_not_found(signed_in: Callable[[str], TestClient], demo_app_settings: Settings
                                            ) -> None:
    client = signed_in("reader.xp")
    page = client.get("/browse/topic/insider_threat")
    client.post("/alerts/follow", data={"topic": "insider_threat", "csrf_token": csrf_of(page.text)})
    with Session(make_engine(demo_app_settings)) as session:
        theirs = session.exec(select(Alert).where(Alert.name == "Insider threat")).first()
    assert theirs is not None
    client.cookies.clear()
    other = signed_in("reader.xb")
    page = other.get("/alerts")
    answer = other.post(f"/alerts/{theirs.public_id}/delete", data={"csrf_token": csrf_of(page.text)})
    missing = other.post("/alerts/nosuchalert1/delete", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == missing.status_code == 404
    assert soup(answer.text).select_one("main").get_text() == soup(missing.text).select_one("main").get_text()


def test_the_signed_link_of_a_message_stops_its_alert(signed_in: Callable[[str], TestClient],
                                                      demo_app_settings: Settings) -> None:
    client = signed_in("reader.xk")
    page = client.get("/browse/topic/transport")
    client.post("/alerts/follow", data={"topic": "transport", "csrf_token": csrf_of(page.text)})
    client.cookies.clear()  # the link works without signing in
    engine = make_engine(demo_app_settings)
    with Session(engine) as session:
        alert = session.exec(select(Alert).where(Alert.name == "Transport safety and security")).one()
    token = manage_token(alert, demo_app_settings.session_key())
    page = client.get(f"/alerts/manage/{token}")
    assert "Transport safety and security" in soup(page.text).select_one("h1").get_text()
    client.post(f"/alerts/manage/{token}", data={"csrf_token": csrf_of(page.text)})
    assert soup(client.get(f"/alerts/manage/{token}").text).select_one("[data-testid=stopped]") is not None
    with Session(engine) as session:
        assert session.exec(select(Alert.frequency).where(Alert.id == alert.id)).one() == Frequency.paused
    assert client.get(f"/alerts/manage/{token[:-2]}xx").status_code == 404
