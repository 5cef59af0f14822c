"""Journeys through the statistics page: the chart and the table, as the public and as a network member."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import ConsoleMessage, Page

from tests.browser.conftest import screenshot, sign_in


def policy_errors(page: Page) -> list[str]:
    """Collect what the browser refuses under the content security policy while the page is used."""
    found: list[str] = []

    def seen(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", seen)
    return found


def shown_cells(page: Page) -> int:
    cells = page.get_by_test_id("stat-table").locator("tbody td[data-testid^='cell-']")
    return cells.count() - page.get_by_test_id("stat-table").locator("tbody td.suppressed").count()


def at_both_widths(page: Page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.locator("#stat-chart svg").wait_for()
    assert page.locator("#stat-chart svg").bounding_box()["width"] <= 390  # type: ignore[index]
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_public_visitor_reads_bars_then_a_heat_map_beside_the_table(open_page: Callable[[], Page]) -> None:
    page = open_page()
    refused = policy_errors(page)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Statistics").click()
    page.wait_for_url("**/statistics")
    table = page.get_by_test_id("stat-table")
    assert table.locator("tbody tr").count() == 15, "every topic is a row, shown or hidden"
    assert "hidden" in table.inner_text()
    page.get_by_label("Rows").select_option("source_type")
    page.get_by_role("button", name="Show table").click()
    page.wait_for_url("**/statistics?rows=source_type**")
    chart = page.locator("#stat-chart[data-drawn='bars'] svg")
    chart.wait_for()
    bars = shown_cells(page)
    assert bars > 0 and chart.locator("g[aria-label='bar'] rect").count() == bars
    at_both_widths(page, "13-statistics-public-bars")

    page.get_by_label("Rows").select_option("kind")
    page.get_by_label("Columns").select_option("source_type")
    page.get_by_role("button", name="Show table").click()
    page.wait_for_url("**/statistics?rows=kind&columns=source_type**")
    heat = page.locator("#stat-chart[data-drawn='heatmap'] svg")
    heat.wait_for()
    cells = table.locator("tbody td[data-testid^='cell-']").count()
    assert heat.locator("g[aria-label='cell'] rect").count() == cells
    assert heat.locator("g[aria-label='text'] text").count() == shown_cells(page) > 0
    total = sum(int(t) for t in heat.locator("g[aria-label='text'] text").all_text_contents())
    assert page.get_by_test_id("total").inner_text() == str(total)
    at_both_widths(page, "14-statistics-public-heatmap")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV of this table").click()
    rows = download.value.path().read_text().splitlines()
    assert rows[0].startswith("kind,") and rows[-1].endswith(f",{total}")
    assert refused == [], refused


def test_member_sees_more_cells_of_the_same_table_than_the_public(open_page: Callable[[], Page]) -> None:
    public = open_page()
    public.goto("/statistics?rows=kind&columns=source_type")
    member = open_page()
    refused = policy_errors(member)
    sign_in(member, "reader.xb")
    member.goto("/statistics?rows=kind&columns=source_type")
    heat = member.locator("#stat-chart[data-drawn='heatmap'] svg")
    heat.wait_for()
    assert shown_cells(member) > shown_cells(public)
    assert heat.locator("g[aria-label='text'] text").count() == shown_cells(member)
    assert "(" not in member.get_by_test_id("stat-table").locator("tbody").inner_text(), "no states per cell"
    at_both_widths(member, "15-statistics-member-heatmap")
    assert refused == [], refused
