"""Atom feeds: what the token's owner may see now; a withdrawn entry leaves at once; a reset token is a missing page."""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from kb.authorisations import withdraw
from kb.config import Settings
from kb.db import make_engine
from kb.models import Authorisation, Practice, PracticeTag, Scope, Status
from tests.web.conftest import csrf_of, soup

ATOM = "{http://www.w3.org/2005/Atom}"
TOPIC = "insider_threat"


def entries(response_text: str) -> dict[str, str]:
    """Return the feed's entries: practice public id → title."""
    root = ElementTree.fromstring(response_text)
    return {e.findtext(f"{ATOM}id", "").rsplit("/", 1)[1]: e.findtext(f"{ATOM}title", "")
            for e in root.iter(f"{ATOM}entry")}


def under_topic_by_scope(settings: Settings) -> dict[str, Scope]:
    """Return the published practices tagged with the topic, with the scope of the decision in force."""
    with Session(make_engine(settings)) as session:
        rows = session.exec(
            select(Practice.public_id, Authorisation.scope)
            .join(Authorisation, col(Authorisation.practice_id) == col(Practice.id))
            .join(PracticeTag, col(PracticeTag.practice_id) == col(Practice.id))
            .where(PracticeTag.vocabulary == "topic", PracticeTag.term == TOPIC, Practice.status == Status.published,
                   col(Authorisation.withdrawn_at).is_(None), col(Authorisation.superseded_at).is_(None))
        ).all()
    return {public_id: Scope(scope) for public_id, scope in rows}


def feed_address(client: TestClient) -> str:
    page = client.get("/alerts")
    client.post("/alerts/follow", data={"topic": TOPIC, "csrf_token": csrf_of(page.text)})
    page = client.get("/alerts")
    if not soup(page.text).select("a[href^='/feeds/']"):
        client.post("/alerts/feed-token", data={"csrf_token": csrf_of(page.text)})
        page = client.get("/alerts")
    return str(soup(page.text).select_one("a[href^='/feeds/']")["href"])


def test_the_public_feed_of_a_topic_carries_public_entries_only(client: TestClient,
                                                                 demo_app_settings: Settings) -> None:
    response = client.get(f"/feeds/topics/{TOPIC}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    scopes = under_topic_by_scope(demo_app_settings)
    assert set(entries(response.text)) == {pid for pid, scope in scopes.items() if scope == Scope.public}
    assert any(scope == Scope.networks for scope in scopes.values()), "the demo should have network entries here"


def test_a_members_feed_follows_what_they_may_see_and_a_withdrawal_leaves_it(
        signed_in: Callable[[str], TestClient], demo_app_settings: Settings) -> None:
    client = signed_in("reader.xb")
    address = feed_address(client)
    client.cookies.clear()  # a feed reader has no session: the token in the URL is enough
    feed = client.get(address)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    public = set(entries(client.get(f"/feeds/topics/{TOPIC}").text))
    seen = set(entries(feed.text))
    assert public < seen, "a member sees the public entries and their networks' ones"

    scopes = under_topic_by_scope(demo_app_settings)
    engine = make_engine(demo_app_settings)
    with Session(engine) as session, session.begin():
        # Another state's network entry: one about their own state they would go on seeing, being of its host
        practice = session.exec(
            select(Practice).where(col(Practice.public_id).in_(sorted(seen - public)), Practice.host_state_code != "XB")
            .order_by(col(Practice.external_id))
        ).first()
        assert practice is not None and scopes[practice.public_id] == Scope.networks
        gone = practice.public_id
        withdraw(session, practice=practice, by=f"focal.{practice.host_state_code.lower()}", via="test")
    assert set(entries(client.get(address).text)) == seen - {gone}


def test_a_reset_feed_token_answers_like_a_missing_feed(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("reader.xk")
    old = feed_address(client)
    assert client.get(old).status_code == 200
    page = client.get("/alerts")
    client.post("/alerts/feed-token", data={"csrf_token": csrf_of(page.text)})
    new = str(soup(client.get("/alerts").text).select_one("a[href^='/feeds/']")["href"])
    client.cookies.clear()
    assert new != old and client.get(new).status_code == 200
    stale = client.get(old)
    missing = client.get("/feeds/not-a-token/alerts/nosuchalert1")
    assert stale.status_code == missing.status_code == 404
    assert stale.text == missing.text
    assert stale.headers["content-type"] == missing.headers["content-type"]


def topic_feed_links(client: TestClient) -> tuple[str, str]:
    """Return the topic page's feed address in the head and in the visible link."""
    page = soup(client.get(f"/browse/topic/{TOPIC}").text)
    head = page.select_one("head link[rel='alternate'][type='application/atom+xml']")
    visible = page.select_one("[data-testid='topic-feed']")
    assert head is not None and visible is not None, "a topic page offers its feed in the head and in the page"
    return str(head["href"]), str(visible["href"])


def test_a_topic_page_offers_the_public_feed_to_the_public(client: TestClient) -> None:
    assert topic_feed_links(client) == (f"/feeds/topics/{TOPIC}",) * 2


def test_a_topic_page_offers_a_member_their_own_feed_once_they_have_a_feed_token(
        signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("reader.xb")  # earlier tests may have given them a token already: the page says which
    token = feed_address(client).split("/")[2]
    own = f"/feeds/{token}/topics/{TOPIC}"
    assert topic_feed_links(client) == (own, own)
    feed = client.get(own)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert set(entries(feed.text)) > set(entries(client.get(f"/feeds/topics/{TOPIC}").text)), "their networks too"
