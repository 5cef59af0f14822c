"""The reader's portal in Chromium: keyboard, screen reader, phone, facets, sort, downloads, print, help."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from kb.config import Settings
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_journeys import DOOR_PROBLEM, describe_problem, opaque, result_ids

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


def wait_for_results(page: Page, action: Callable[[], None]) -> None:
    """Do something that makes htmx fetch the results, and wait until they are in the page."""
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        action()
    page.wait_for_load_state("networkidle")


def option_counts(page: Page, facet: str) -> dict[str, int]:
    """Return each listed value of a facet with the count shown beside it."""
    counts: dict[str, int] = {}
    for label in page.locator(f"label.check:has(input[name={facet}])").all():
        value = label.locator("input").get_attribute("value") or ""
        counts[value] = int(label.locator(".count").text_content() or "")
    return counts


def test_space_on_a_facet_keeps_focus_on_it_and_only_the_count_is_announced(open_page: Callable[[], Page]) -> None:
    page = open_page()
    page.goto("/")
    describe_problem(page, DOOR_PROBLEM)
    assert page.locator("[aria-live]").count() == 1, "one live region only"
    live = page.locator("[aria-live]")
    assert live.get_attribute("id") == "result-count"
    assert page.locator("#results[aria-live], #results [aria-live]").count() == 0
    expect(live).to_contain_text(re.compile(r"\d+ practices? match your description"))
    box = page.locator("input[name=kind]").first
    box.focus()
    wait_for_results(page, lambda: page.keyboard.press("Space"))
    expect(page.locator("input[name=kind]:checked")).to_have_count(1)
    focused = page.evaluate("document.activeElement && document.activeElement.id")
    assert focused == box.get_attribute("id") and focused, "focus stays on the ticked filter"
    expect(live).to_contain_text("with these filters")


def test_skip_to_results_is_the_first_tab_stop_and_leads_to_the_results(open_page: Callable[[], Page]) -> None:
    page = open_page()
    page.goto(f"/?q={DOOR_PROBLEM}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to results"
    page.keyboard.press("Enter")
    first = page.locator(".result h3 a").first
    for _ in range(5):
        page.keyboard.press("Tab")
        if first.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("the first result is not reached within 5 tab stops after skipping")


def test_on_a_phone_filters_fold_behind_one_control_and_the_search_box_is_full_width(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    page.goto(f"/?q={DOOR_PROBLEM}")
    toggle = page.get_by_test_id("filters-toggle")
    expect(toggle).to_have_text("Filters")
    expect(page.locator(".facets")).to_be_hidden()
    first = page.locator(".result").first.bounding_box()
    assert first is not None and first["y"] < PHONE["height"], "the first result is on the first screen"
    box = page.get_by_label("Describe your problem").bounding_box()
    assert box is not None and box["width"] >= PHONE["width"] - 60, box
    screenshot(page, "reader-search-390")
    page.locator(".result h3 a").first.click()
    page.wait_for_url("**/practices/**")
    screenshot(page, "reader-practice-390")
    page.go_back()
    toggle.click()
    expect(page.locator(".facets")).to_be_visible()
    wait_for_results(page, lambda: page.locator("input[name=kind]").first.check())
    expect(page.locator(".facets")).to_be_visible()  # still open after the results changed
    expect(page.get_by_test_id("filters-toggle")).to_have_text("Filters (1)")
    context.close()


def test_filters_fold_and_apply_on_a_phone_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/?q={DOOR_PROBLEM}")
    expect(page.locator(".facets")).to_be_hidden()
    page.get_by_test_id("filters-toggle").click()
    page.locator("input[name=kind]").first.check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"kind="))
    expect(page.get_by_test_id("filters-toggle")).to_have_text("Filters (1)")
    context.close()


def test_header_related_cards_breadcrumb_and_icon_at_1280(open_page: Callable[[], Page], live_engine: Engine) -> None:
    page = open_page()
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    sign_in(page, "focal.xa")
    ours = page.get_by_role("link", name="Our state's practices")
    search = page.get_by_role("navigation", name="Main").get_by_role("link", name="Search")
    assert ours.bounding_box()["height"] == search.bounding_box()["height"], "the label stays on one line"
    assert ours.bounding_box()["y"] == search.bounding_box()["y"], "the menu stays on one row"
    screenshot(page, "reader-home-focal-1280")
    describe_problem(page, DOOR_PROBLEM)
    screenshot(page, "reader-search-1280")
    page.locator(".result h3 a").first.click()
    page.wait_for_url("**/practices/**")
    crumb = page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Search")
    assert "q=" in (crumb.get_attribute("href") or ""), "the breadcrumb leads back to the search"
    cards = page.locator(".related .card").all()
    assert len(cards) == 5
    tops = [card.bounding_box()["y"] for card in cards]
    assert tops.count(tops[-1]) > 1, f"the last related card is alone on its row: {tops}"
    screenshot(page, "reader-practice-1280")
    crumb.click()
    page.wait_for_url(re.compile(r"q="))
    expect(page.get_by_label("Describe your problem")).to_have_value(DOOR_PROBLEM)
    assert page.request.get("/favicon.ico").status == 200
    assert not missing, f"not found: {missing}"


def test_values_of_one_facet_widen_and_the_others_stay_listed_with_their_counts(open_page: Callable[[], Page]) -> None:
    page = open_page()
    page.goto("/")  # without a query: every visible practice, so each count is exactly what ticking it finds
    before = option_counts(page, "sector")
    first, second = list(before)[:2]

    def total() -> int:
        return int(page.get_by_test_id("total").locator("strong").inner_text())

    wait_for_results(page, lambda: page.locator(f"input[name=sector][value={first}]").check())
    assert total() == before[first]
    assert option_counts(page, "sector") == before, "a chosen facet keeps every value with its count"
    wait_for_results(page, lambda: page.locator(f"input[name=sector][value={second}]").check())
    both = total()
    assert max(before[first], before[second]) <= both <= before[first] + before[second], "OR within a facet"
    assert both > before[first], "a second value of the same facet widens the results"
    kinds = option_counts(page, "kind")
    kind = next(iter(kinds))
    wait_for_results(page, lambda: page.locator(f"input[name=kind][value={kind}]").check())
    assert total() == kinds[kind] <= both, "another facet narrows (AND) to the count it showed"


def test_sort_by_oldest_orders_results_by_year(open_page: Callable[[], Page]) -> None:
    page = open_page()
    page.goto("/?q=security+culture")
    wait_for_results(page, lambda: page.get_by_label("Sort by").select_option("oldest"))
    assert "sort=oldest" in page.url
    years = [int(re.findall(r"\d{4}", t)[-1]) for t in page.locator(".result .meta .muted").all_inner_texts()]
    assert len(years) > 2 and years == sorted(years)


def test_download_csv_holds_what_the_viewer_sees_and_nothing_hidden(
    open_page: Callable[[], Page], live_engine: Engine, live_settings: Settings, tmp_path: Path
) -> None:
    page = open_page()
    page.goto("/")
    describe_problem(page, "nuclear power plant security")
    shown = result_ids(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    path = tmp_path / "practices.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    total = int(page.get_by_test_id("total").locator("strong").inner_text())
    assert len(rows) == total and [r["id"] for r in rows[:len(shown)]] == shown
    assert opaque(live_engine, "GP-RAD-001") not in path.read_text(), "a network-only practice is absent"
    anonymous = opaque(live_engine, "CP-NUC-001")
    page.goto(f"/practices/{anonymous}")
    with page.expect_download() as one:
        page.get_by_role("link", name="CSV").click()
    one.value.save_as(tmp_path / "one.csv")
    text = (tmp_path / "one.csv").read_text(encoding="utf-8")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["id"] == anonymous and row["host_state"] == "" and row["reference"] == ""
    assert "Aldoria" not in text and "XA" not in row.values(), "an anonymous entry's export never names its host"


def test_print_hides_navigation_and_filters(open_page: Callable[[], Page]) -> None:
    page = open_page()
    page.goto(f"/?q={DOOR_PROBLEM}")
    page.emulate_media(media="print")
    expect(page.locator(".facets")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator(".result").first).to_be_visible()


def test_footer_leads_to_about_help_glossary_and_accessibility(open_page: Callable[[], Page],
                                                              live_settings: Settings) -> None:
    page = open_page()
    page.goto("/")
    for name, heading in [("About", "About the knowledge base"), ("Help", "Describing a problem well"),
                          ("Glossary", "Glossary"), ("Accessibility", "Accessibility statement")]:
        page.get_by_role("contentinfo").get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    page.goto("/glossary")
    topics = yaml.safe_load((live_settings.vocabulary_dir / "topic.yaml").read_text())["terms"]
    glossary = page.locator("dl.glossary dt").all_inner_texts()
    assert {t["label"] for t in topics} <= set(glossary)
    page.goto("/about")
    expect(page.locator("main")).to_contain_text("anonymously")
