"""The portal's journeys, walked in a real Chromium against a live server on a copy of the demo."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOOR_PROBLEM = "contractors keep propping open the door to the radioactive source store"
NETWORK_ONLY = "GP-RAD-001"  # shared with RSSN only: reader.xb (Brevania) is in it, reader.xk (Kelvania) is not
PENDING_AT_CASSAMAR = "GP-RAD-012"  # pending in Cassamar (XC); shared in the journey with CSSN, anonymously


def describe_problem(page: Page, problem: str) -> list[str]:
    """Type a problem into the search box and return the ids of the results shown as they update."""
    box = page.get_by_label("Describe your problem")
    with page.expect_response(lambda r: "q=" in r.url and r.request.headers.get("hx-request") == "true"):
        box.fill(problem)
    expect(page.locator("#results")).to_contain_text(re.compile("match your description|No practices found"))
    page.wait_for_load_state("networkidle")
    return result_ids(page)


def result_ids(page: Page) -> list[str]:
    hrefs = [link.get_attribute("href") or "" for link in page.locator(".result h3 a").all()]
    return [href.rsplit("/", 1)[-1] for href in hrefs]


def public_practices(engine: Engine) -> set[str]:
    """The opaque ids of published practices with a public authorisation in force, read from the tables."""
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT p.public_id FROM practice p JOIN authorisation a ON a.practice_id = p.id "
            "WHERE p.status = 'published' AND a.scope = 'public' AND a.withdrawn_at IS NULL "
            "AND a.superseded_at IS NULL"))
        return {row[0] for row in rows}


def opaque(engine: Engine, external_id: str) -> str:
    with engine.connect() as connection:
        return connection.execute(text("SELECT public_id FROM practice WHERE external_id = :id"),
                                  {"id": external_id}).scalar_one()


def test_public_visitor_describes_a_problem_and_sees_only_public_practices(
    open_page: Callable[[], Page], live_engine: Engine
) -> None:
    page = open_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="What others did about your problem")).to_be_visible()
    screenshot(page, "01-search-home")
    found = describe_problem(page, DOOR_PROBLEM)
    assert found, "a public visitor should find public practices about access control of source stores"
    assert set(found) <= public_practices(live_engine)
    assert opaque(live_engine, NETWORK_ONLY) not in found
    assert "q=" in page.url, "the search should be in the URL, to bookmark and share"
    screenshot(page, "02-search-results-public")
    page.reload()
    assert result_ids(page) == found, "reloading the URL reproduces the search"
    box = page.get_by_label("Describe your problem")
    expect(box).to_have_value(DOOR_PROBLEM)
    colours = box.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    assert colours[0] != colours[1], "the problem typed into the search box must be readable"


def test_network_member_finds_a_network_only_practice_and_follows_a_related_one(
    open_page: Callable[[], Page], live_engine: Engine
) -> None:
    page = open_page()
    sign_in(page, "reader.xb")
    expect(page.get_by_test_id("who")).to_contain_text("RSSN")
    found = describe_problem(page, DOOR_PROBLEM)
    network_only = opaque(live_engine, NETWORK_ONLY)
    assert network_only in found[:5]
    screenshot(page, "03-search-results-member")
    page.locator(f".result a[href='/practices/{network_only}']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Door-held-open alarms")
    expect(page.locator(".prose")).not_to_be_empty()
    screenshot(page, "04-practice-page")
    related = page.locator(".related a").first
    title = related.inner_text()
    related.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_member_of_another_network_does_not_find_it_and_its_url_is_not_found(
    open_page: Callable[[], Page], live_engine: Engine
) -> None:
    page = open_page()
    sign_in(page, "reader.xk")
    found = describe_problem(page, DOOR_PROBLEM)
    network_only = opaque(live_engine, NETWORK_ONLY)
    assert network_only not in found
    response = page.goto(f"/practices/{network_only}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    screenshot(page, "05-not-found")


def test_focal_point_shares_anonymously_then_withdraws(open_page: Callable[[], Page], live_engine: Engine) -> None:
    pending = opaque(live_engine, PENDING_AT_CASSAMAR)
    focal = open_page()
    sign_in(focal, "focal.xc")
    focal.get_by_role("link", name="Our state's practices").click()
    row = focal.locator(f"[data-practice='{pending}']")
    expect(row.locator(".status")).to_have_text("Pending")
    screenshot(focal, "06-our-practices")
    row.get_by_label("Chosen networks").check()
    row.get_by_label("CSSN").check()
    row.get_by_label("Anonymous").check()
    row.get_by_role("button", name="Authorise").click()
    row = focal.locator(f"[data-practice='{pending}']")
    expect(row.get_by_test_id("preview")).to_be_visible()  # what outsiders will read, before confirming
    expect(row.locator(".status")).to_have_text("Pending")
    row.get_by_role("button", name="Confirm: share anonymously").click()
    row = focal.locator(f"[data-practice='{pending}']")
    expect(row.get_by_test_id("sharing")).to_contain_text("Shared with CSSN, anonymously, from")
    expect(row.get_by_test_id("notice")).to_contain_text("Saved. Now: Shared with CSSN, anonymously")
    expect(row.locator(".status")).to_have_text("Published")

    member = open_page()
    sign_in(member, "reader.xk")
    title = focal.locator(f"[data-practice='{pending}'] h2").inner_text()
    found = describe_problem(member, title)
    assert pending in found
    result = member.locator(".result", has=member.locator(f"a[href='/practices/{pending}']"))
    expect(result.locator(".host")).to_have_text("Anonymised")
    expect(result).not_to_contain_text("Cassamar")
    result.get_by_role("link").first.click()
    expect(member.get_by_role("heading", level=1)).to_have_text(title)
    assert "Cassamar" not in member.content()
    assert "XC" not in member.locator("article.practice").inner_text()
    screenshot(member, "07-practice-anonymised")

    focal.locator(f"[data-practice='{pending}']").get_by_role("button", name="Withdraw").click()
    focal.locator(f"[data-practice='{pending}']").get_by_role("button", name="Yes, withdraw").click()
    expect(focal.locator(f"[data-practice='{pending}']").get_by_test_id("sharing")).to_have_text(
        "Not shared beyond your state")

    member.goto("/")
    assert pending not in describe_problem(member, title)
    response = member.goto(f"/practices/{pending}")
    assert response is not None and response.status == 404


BAD_UPLOAD = (
    '{"id": "UP-GOOD-1", "kind": "good_practice", "title": "Badge audit for night shift contractors", '
    '"summary": "Monthly badge audit.", "host_state": "XA", "source": {"type": "ippas", "year": 2023}, '
    '"domain": ["security"], "sector": ["nuclear_power"], "topic": ["insider_threat"]}\n'
    '{"id": "UP-BAD-2", "kind": "good_practice", "title": "Second record", "summary": "Has an unknown topic.", '
    '"host_state": "XA", "source": {"type": "ippas", "year": 2023}, "domain": ["security"], '
    '"sector": ["nuclear_power"], "topic": ["tea_breaks"]}\n'
)


def stored(engine: Engine, external_id: str) -> bool:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM practice WHERE external_id = :id"),
                                  {"id": external_id}).scalar_one() > 0


def test_curator_creates_a_practice_and_an_upload_with_a_bad_record_stores_nothing(
    open_page: Callable[[], Page], live_engine: Engine
) -> None:
    page = open_page()
    sign_in(page, "curator")
    page.get_by_role("link", name="Secretariat").click()
    screenshot(page, "08-secretariat-queues")
    page.get_by_role("link", name="New practice").click()
    page.get_by_label("Reference id").fill("GP-2024-XA-900")
    page.get_by_label("Title").fill("Visitor escort cards that expire at the end of the day")
    page.get_by_label("Summary").fill("Escort cards printed with the day's date stop visitors wandering.")
    page.get_by_label("Body (Markdown)").fill("## What was done\n\nCards **expire** at midnight.")
    expect(page.locator("#preview strong")).to_have_text("expire")
    page.get_by_label("Host state").select_option("XA")
    page.get_by_label("Source", exact=True).select_option("ippas")  # no source is chosen for the curator
    page.get_by_label("Year", exact=True).fill("2024")
    page.locator("input[name=domain][value=security]").check()
    page.locator("input[name=sector][value=nuclear_power]").check()
    page.locator("input[name=topic][value=physical_protection]").check()
    screenshot(page, "09-new-practice")
    page.get_by_role("button", name="Save practice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Visitor escort cards that expire at the end of the day")
    expect(page.locator(".prose strong")).to_have_text("expire")
    assert stored(live_engine, "GP-2024-XA-900")

    page.goto("/secretariat/upload")
    page.get_by_label("File").set_input_files(
        files=[{"name": "mission.jsonl", "mimeType": "application/json", "buffer": BAD_UPLOAD.encode()}])
    page.get_by_role("button", name="Check and import").click()
    report = page.get_by_test_id("report")
    expect(report).to_contain_text("Nothing from this file was stored")
    expect(report.get_by_test_id("line").first).to_have_text("2")
    expect(report).to_contain_text("tea_breaks")
    screenshot(page, "10-upload-report")
    assert not stored(live_engine, "UP-GOOD-1")
    assert not stored(live_engine, "UP-BAD-2")


@pytest.mark.parametrize("username", [None, "reader.xb"])
def test_topic_counts_equal_what_the_viewer_finds_in_the_topic(
    open_page: Callable[[], Page], username: str | None
) -> None:
    page = open_page()
    if username:
        sign_in(page, username)
    page.goto("/browse")
    screenshot(page, f"11-browse-{username or 'public'}")
    for term in ("prevention", "insider_threat", "radioactive_sources"):
        link = page.locator(f"a[data-term='{term}']")
        count = int(link.get_by_test_id(f"count-{term}").inner_text())
        link.click()
        if count:
            expect(page.get_by_test_id("total")).to_contain_text(f"{count} practice")
        else:
            expect(page.get_by_test_id("no-results")).to_be_visible()
        if term == "insider_threat":
            screenshot(page, f"12-topic-{username or 'public'}")
        page.go_back()
