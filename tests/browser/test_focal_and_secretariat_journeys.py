"""The focal point's and the secretariat's daily work, walked in Chromium: every mistake shown where it happens."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_journeys import opaque

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PENDING_AT_LUSMARK = "CP-CHM-002"  # pending in Lusmark (XL); decided in the first journey
DRAFT_AT_CASSAMAR = "CP-RAD-008"  # a secretariat draft about Cassamar (XC), never submitted for decision


def today() -> str:
    return f"{datetime.now(UTC):%-d %b %Y}"


def test_focal_point_sees_each_mistake_beside_its_field_and_what_now_holds(
    open_page: Callable[[], Page], live_engine: Engine
) -> None:
    pending = opaque(live_engine, PENDING_AT_LUSMARK)
    page = open_page()
    sign_in(page, "focal.xl")
    page.get_by_role("link", name="Our state's practices").click()
    row = page.locator(f"[data-practice='{pending}']")
    expect(row.locator("input[name=attribution]:checked")).to_have_count(0)  # the host must choose

    row.get_by_role("button", name="Authorise").click()
    row = page.locator(f"[data-practice='{pending}']")
    expect(row.get_by_test_id("error-scope")).to_contain_text("choose who may see it")
    expect(row.get_by_test_id("error-attribution")).to_contain_text("choose whether to name your state")

    row.get_by_label("Chosen networks").check()
    row.get_by_label("Anonymous").check()
    row.get_by_role("button", name="Authorise").click()
    row = page.locator(f"[data-practice='{pending}']")
    expect(row.get_by_test_id("confirm")).to_have_count(0)  # nothing to confirm until the decision is complete
    expect(row.get_by_test_id("error-networks")).to_contain_text("at least one network")
    expect(row.locator(".status")).to_have_text("Pending")

    row.get_by_label("Chosen networks").check()
    row.get_by_label("CSSN").check()
    row.get_by_label("Name our state").check()
    row.get_by_role("button", name="Authorise").click()
    row = page.locator(f"[data-practice='{pending}']")
    expect(row.get_by_test_id("notice")).to_have_text(f"Saved. Now: Shared with CSSN, naming the host, from {today()}.")
    expect(row.locator(".status")).to_have_text("Published")


def test_a_draft_the_secretariat_never_submitted_cannot_be_authorised(
    open_page: Callable[[], Page], live_engine: Engine
) -> None:
    draft = opaque(live_engine, DRAFT_AT_CASSAMAR)
    page = open_page()
    sign_in(page, "focal.xc")
    page.goto("/our-practices")
    row = page.locator(f"[data-practice='{draft}']")
    expect(row.locator(".status")).to_have_text("Draft")
    expect(row.get_by_test_id("not-submitted")).to_contain_text("not submitted it for your decision")
    expect(row.get_by_role("button", name="Authorise")).to_have_count(0)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    answer = page.request.post(f"/our-practices/{draft}", form={
        "csrf_token": token, "action": "authorise", "based_on": "0", "scope": "public", "attribution": "named"})
    assert answer.status == 422
    assert "secretariat draft" in answer.text()
    page.reload()
    expect(page.locator(f"[data-practice='{draft}'] .status")).to_have_text("Draft")
    screenshot(page, "13-our-practices-draft")


def test_withdrawal_asks_first(open_page: Callable[[], Page], live_engine: Engine) -> None:
    shared = opaque(live_engine, "GP-AVI-002")
    page = open_page()
    sign_in(page, "focal.xl")
    page.goto("/our-practices")
    row = page.locator(f"[data-practice='{shared}']")
    before = row.get_by_test_id("sharing").inner_text()
    row.get_by_role("button", name="Withdraw").click()
    row = page.locator(f"[data-practice='{shared}']")
    expect(row.get_by_role("heading", name="Withdraw consent?")).to_be_visible()
    expect(row.get_by_test_id("sharing")).to_have_text(before)
    row.get_by_role("link", name="Cancel").click()
    expect(page.locator(f"[data-practice='{shared}']").get_by_test_id("sharing")).to_have_text(before)


def test_audit_log_filters_by_person_and_object_with_empty_dates_and_shows_field_differences(
    open_page: Callable[[], Page],
) -> None:
    page = open_page()
    sign_in(page, "curator")
    page.goto("/secretariat/practices/GP-NUC-021/edit")
    summary = page.get_by_label("Summary")
    old = summary.input_value()
    summary.fill("Line one of the new summary.\nLine two.")
    page.get_by_role("button", name="Save practice").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto("/secretariat/audit")
    expect(page.get_by_label("From")).to_have_value("")
    with page.expect_response(lambda r: "actor=curator" in r.url):
        page.get_by_label("Person").select_option("curator")
    events = page.get_by_test_id("event")
    expect(events.first).to_be_visible()
    assert {e.get_by_test_id("who").inner_text() for e in events.all()} == {"Secretariat Curator (curator)"}
    assert "actor=curator" in page.url
    page.get_by_label("Object").fill("GP-NUC-021")
    page.get_by_role("button", name="Filter").click()
    expect(events.first.locator("code").last).to_have_text("GP-NUC-021")
    page.wait_for_load_state("networkidle")
    assert "object=GP-NUC-021" in page.url and "actor=curator" in page.url
    assert all("GP-NUC-021" in e.inner_text() for e in events.all())
    events.first.get_by_text("changed").click()
    expect(events.first.get_by_test_id("diff")).to_be_visible()
    diff = events.first.get_by_test_id("diff")
    summary_row = diff.locator("tr", has=page.locator("th", has_text="summary"))
    expect(summary_row.locator(".before")).to_have_text(old)
    expect(summary_row.locator(".after")).to_contain_text("Line one of the new summary.")
    assert "\\r\\n" not in diff.inner_text() and "{" not in diff.inner_text()
    screenshot(page, "14-audit-log")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "14-audit-log-390")

    page.goto("/secretariat/audit?since=2030-01-01&until=2020-01-01")
    expect(page.get_by_test_id("error-until")).to_contain_text("before 'From'")


MANY_PROBLEMS = (
    '{"id": "UP-MANY-1", "kind": "best_practice", "title": "Escort rules", "summary": "Escorts.", '
    '"host_state": "XZ", "source": {"type": "ippas", "year": "twenty"}, "domain": ["security"], '
    '"sector": ["nuclear_power"], "topic": ["insider threats"]}\n'
    '{"id": "UP-MANY-2", "kind": "good_practice", "title": "Second", "summary": "Fine.", "host_state": "XA", '
    '"source": {"type": "ippas", "year": 2023}, "domain": ["security"], "sector": ["nuclear_power"], '
    '"topic": ["insider_threat"]}\n'
)
ONE_GOOD = (
    '{"id": "UP-ONE-1", "kind": "good_practice", "title": "Badge audit for night shift contractors at the port", '
    '"summary": "Monthly badge audit.", "host_state": "XA", "source": {"type": "ippas", "year": 2023}, '
    '"domain": ["security"], "sector": ["nuclear_power"], "topic": ["insider_threat"]}\n'
)


def upload(page: Page, name: str, content: str, button: str) -> None:
    page.get_by_label("File").set_input_files(
        files=[{"name": name, "mimeType": "application/json", "buffer": content.encode()}])
    page.get_by_role("button", name=button, exact=True).click()


def test_upload_reports_every_problem_at_once_and_check_only_stores_nothing(
    open_page: Callable[[], Page], live_engine: Engine
) -> None:
    page = open_page()
    sign_in(page, "curator")
    page.goto("/secretariat/upload")
    upload(page, "many.jsonl", MANY_PROBLEMS, "Check and import")
    report = page.get_by_test_id("report")
    expect(report).to_contain_text("Nothing from this file was stored")
    problems = report.locator("tbody tr")
    expect(problems).to_have_count(4)  # kind, host state, year and topic, all in the first round
    said = report.inner_text()
    for fragment in ("must be one of 'good_practice' or 'country_practice'", "unknown state", "XZ",
                     "must be a whole number", "did you mean 'insider_threat'?"):
        assert fragment in said
    assert "Input should" not in said
    screenshot(page, "15-upload-report")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "15-upload-report-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    upload(page, "one.jsonl", ONE_GOOD, "Check only")
    expect(page.get_by_test_id("checked")).to_contain_text("1 record checked, no problems found. Nothing was stored")
    with live_engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM practice WHERE external_id = 'UP-ONE-1'"))
        assert stored.scalar_one() == 0

    upload(page, "one.jsonl", ONE_GOOD, "Check and import")
    imported = page.get_by_test_id("imported")
    expect(imported).to_contain_text("1 added")
    expect(imported).to_contain_text(re.compile(r"\b\d+ passages? embedded"))
    count = int(re.search(r"(\d+) passages? embedded", imported.inner_text()).group(1))  # type: ignore[union-attr]
    assert ("passage embedded" in imported.inner_text()) == (count == 1)


def test_new_practice_form_chooses_nothing_for_the_curator_and_says_errors_beside_the_field(
    open_page: Callable[[], Page],
) -> None:
    page = open_page()
    sign_in(page, "curator")
    page.goto("/secretariat/practices/new")
    expect(page.get_by_label("References")).to_have_value("")
    expect(page.get_by_label("Host state")).to_have_value("")
    expect(page.get_by_label("Host state").locator("option:checked")).to_have_text("Choose…")
    expect(page.get_by_label("Source", exact=True).locator("option:checked")).to_have_text("Choose…")
    page.get_by_label("Reference id").fill("GP-2024-XA-901")
    page.get_by_label("Title").fill("Key cabinets that log every key taken")
    page.get_by_label("Summary").fill("Electronic key cabinets record who took which key.")
    page.get_by_label("Host state").select_option("XA")
    page.get_by_label("Source", exact=True).select_option("ippas")
    page.get_by_label("Year", exact=True).fill("2024")
    page.locator("input[name=sector][value=nuclear_power]").check()
    page.locator("input[name=topic][value=physical_protection]").check()
    page.get_by_role("button", name="Save practice").click()
    expect(page.get_by_test_id("error-domain")).to_have_text("choose at least one")
    expect(page.get_by_test_id("not-saved")).to_contain_text("Domain")
    assert "List should have" not in page.content()
    expect(page.get_by_label("Title")).to_have_value("Key cabinets that log every key taken")  # nothing typed is lost
    expect(page.get_by_label("References")).to_have_value("")


def sign_in_with(page: Page, username: str, password: str) -> None:
    page.goto("/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_reset_forces_a_new_password_and_a_person_manages_their_own_tokens(open_page: Callable[[], Page]) -> None:
    admin = open_page()
    sign_in(admin, "admin")
    admin.goto("/secretariat/users")
    admin.get_by_label("Temporary password for reader.xp").fill("temporary-pass-123")
    admin.locator("#u-reader\\.xp").get_by_role("button", name="Reset password").click()
    expect(admin.get_by_test_id("notice")).to_contain_text("reader.xp has a temporary password")

    person = open_page()
    sign_in_with(person, "reader.xp", "temporary-pass-123")
    expect(person.get_by_test_id("must-change")).to_be_visible()
    person.goto("/")
    assert person.url.endswith("/account"), "nothing else until a new password is chosen"
    person.get_by_label("Current password").fill("temporary-pass-123")
    person.locator("#pw-new").fill("my-own-passphrase-2026")
    person.get_by_label("New password again").fill("my-own-passphrase-2027")
    person.get_by_role("button", name="Change password").click()
    expect(person.get_by_test_id("error-repeated")).to_contain_text("the two new passwords differ")
    person.get_by_label("Current password").fill("temporary-pass-123")
    person.locator("#pw-new").fill("my-own-passphrase-2026")
    person.get_by_label("New password again").fill("my-own-passphrase-2026")
    person.get_by_role("button", name="Change password").click()
    expect(person.get_by_test_id("notice")).to_contain_text("Your password is changed")
    person.goto("/")
    assert not person.url.endswith("/account")

    person.goto("/account")
    person.get_by_label("Token name").fill("regulator dashboard")
    person.get_by_role("button", name="Create token").click()
    token = person.get_by_test_id("new-token").locator("input").input_value()
    assert token.startswith("kb_")
    row = person.get_by_test_id("token").filter(has_text="regulator dashboard")
    expect(row).to_contain_text("Active")
    bearer = {"Authorization": f"Bearer {token}"}
    assert person.request.get("/api/v1/search?q=door", headers=bearer).status == 200
    person.goto("/account")
    expect(person.get_by_test_id("new-token")).to_have_count(0)  # shown once
    person.get_by_test_id("token").filter(has_text="regulator dashboard").get_by_role("button", name="Revoke").click()
    expect(person.get_by_test_id("token").filter(has_text="regulator dashboard")).to_contain_text("Revoked")
    refused = person.request.get("/api/v1/search?q=door", headers=bearer)
    assert refused.status == 401 and refused.headers["www-authenticate"].startswith("Bearer")

    again = open_page()
    sign_in_with(again, "reader.xp", "my-own-passphrase-2026")
    expect(again.get_by_test_id("who")).to_be_visible()


def test_secretariat_queues_name_states_sort_and_filter_and_networks_admit_people(
    open_page: Callable[[], Page], live_engine: Engine
) -> None:
    page = open_page()
    sign_in(page, "curator")
    page.goto("/secretariat")
    pending = page.get_by_test_id("queue-pending")
    expect(pending.get_by_test_id("host").first).not_to_have_text(re.compile(r"^X[A-Z]$"))
    page.get_by_label("Host state").select_option("XM")
    page.get_by_label("Sort by").select_option("title")
    page.get_by_role("button", name="Show").click()
    hosts = {h.inner_text() for h in pending.get_by_test_id("host").all()}
    assert hosts == {"Meridia"}
    titles = [r.locator("td").first.locator("a").first.inner_text() for r in pending.get_by_test_id("queued").all()]
    assert len(titles) >= 2 and titles == sorted(titles, key=str.casefold)
    expect(pending.locator(".status").first).to_have_text("Pending")
    screenshot(page, "16-secretariat-queues")

    page.goto(f"/practices/{opaque(live_engine, 'GP-RAD-018')}")
    expect(page.get_by_test_id("status")).to_contain_text("Draft · Not shared beyond the host")

    page.goto("/secretariat/networks")
    page.get_by_label("Code").fill("NSSN")
    page.get_by_label("Name", exact=True).fill("Duplicate")
    page.get_by_role("button", name="Create network").click()
    expect(page.get_by_test_id("error-code")).to_contain_text("exists already")
    page.get_by_label("Code").fill("MSSN")
    page.get_by_label("Name", exact=True).fill("Maritime Security Network")
    page.get_by_role("button", name="Create network").click()
    network = page.locator("[data-network='MSSN']")
    expect(network).to_contain_text("Maritime Security Network")
    network.get_by_label("Admit a person").select_option("reader.xk")
    network.get_by_role("button", name="Admit").click()
    network = page.locator("[data-network='MSSN']")
    expect(network.get_by_test_id("members")).to_contain_text("Inspector from Kelvania (reader.xk)")


def test_history_credits_the_person_by_name_and_username(open_page: Callable[[], Page], live_engine: Engine) -> None:
    shared = opaque(live_engine, "CP-EVT-001")
    page = open_page()
    sign_in(page, "focal.xl")
    page.goto("/our-practices")
    row = page.locator(f"[data-practice='{shared}']")
    row.get_by_label("Public").check()
    row.get_by_label("Name our state").check()
    row.get_by_role("button", name="Authorise").click()
    row = page.locator(f"[data-practice='{shared}']")
    expect(row.get_by_test_id("notice")).to_contain_text("Shared with everyone (public), naming the host")
    row.locator("summary", has_text="History").click()
    expect(row.locator(".history li.current")).to_contain_text(
        "granted by Focal Point of Lusmark (focal.xl)")
    expect(row.locator(".history li.current")).to_contain_text("entered by Focal Point of Lusmark (focal.xl)")
    row.get_by_role("button", name="Withdraw").click()
    page.locator(f"[data-practice='{shared}']").get_by_role("button", name="Yes, withdraw").click()
    row = page.locator(f"[data-practice='{shared}']")
    expect(row.locator(".status")).to_have_text("Withdrawn")  # status and sharing say the same
    expect(row.get_by_test_id("sharing")).to_have_text("Not shared beyond your state")


def history_size(engine: Engine, external_id: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(
            "SELECT count(*) FROM authorisation a JOIN practice p ON p.id = a.practice_id "
            "WHERE p.external_id = :id"), {"id": external_id}).scalar_one())


def test_focal_point_applies_one_decision_to_several_practices_all_or_nothing(
    open_page: Callable[[], Page], live_engine: Engine
) -> None:
    first, second = opaque(live_engine, "GP-CHM-005"), opaque(live_engine, "GP-AVI-002")
    before = {ref: history_size(live_engine, ref) for ref in ("GP-CHM-005", "GP-AVI-002")}
    page = open_page()
    sign_in(page, "focal.xl")
    page.goto("/our-practices")
    bulk = page.locator("#several")
    bulk.get_by_role("button", name="Authorise selected").click()
    expect(page.get_by_test_id("bulk-error-selected")).to_contain_text("tick the practices")

    for ref in (first, second):
        page.locator(f"[data-practice='{ref}'] .select-one input").check()
    bulk = page.locator("#several")
    bulk.get_by_label("Chosen networks").check()
    bulk.get_by_label("CSSN").check()
    bulk.get_by_label("Anonymous").check()
    bulk.get_by_role("button", name="Authorise selected").click()
    confirm = page.get_by_test_id("bulk-confirm")
    expect(confirm.get_by_test_id("preview")).to_have_count(2)  # what outsiders will read, for each one
    screenshot(page, "17-our-practices-bulk-confirm")
    confirm.get_by_role("button", name="Confirm: share all 2 anonymously").click()
    expect(page.get_by_test_id("bulk-notice")).to_contain_text("Saved for 2 practices")
    for ref in (first, second):
        expect(page.locator(f"[data-practice='{ref}']").get_by_test_id("sharing")).to_contain_text(
            f"Shared with CSSN, anonymously, from {today()}")
    assert {ref: history_size(live_engine, ref) for ref in before} == {ref: n + 1 for ref, n in before.items()}
    screenshot(page, "17-our-practices")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "17-our-practices-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/our-practices")
    for ref in (first, second):
        page.locator(f"[data-practice='{ref}'] .select-one input").check()
    other_tab = open_page()
    sign_in(other_tab, "focal.xl")
    other_tab.goto("/our-practices")
    other_tab.locator(f"[data-practice='{second}']").get_by_role("button", name="Refuse").click()
    expect(other_tab.locator(f"[data-practice='{second}']").get_by_test_id("notice")).to_contain_text("Refused")
    page.locator("#several").get_by_role("button", name="Refuse selected").click()
    expect(page.get_by_test_id("bulk-error-action")).to_contain_text("Nothing was recorded")
    expect(page.locator(f"[data-practice='{first}']").get_by_test_id("sharing")).to_contain_text(
        "Shared with CSSN, anonymously")  # the first was not refused either: all or nothing
