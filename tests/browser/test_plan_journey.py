"""A focal point turns a recommendation into a plan item, finds practices, adopts one, sets priority and due date,
shares the plan with an assistance provider and withdraws the share; the provider sees it, then does not."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_in


def test_from_recommendation_to_a_shared_plan_and_back(open_page: Callable[[], Page]) -> None:
    focal = open_page()
    sign_in(focal, "focal.xa")
    focal.get_by_role("link", name="Our plan").click()
    focal.wait_for_url("**/plans/XA")
    focal.get_by_role("link", name="Our review missions").click()
    focal.get_by_role("link", name="IPPAS mission to Aldoria", exact=True).click()
    finding = focal.locator("[data-finding='R-3']")
    finding.get_by_role("button", name="Add to our plan").click()
    focal.wait_for_url("**/plans/XA#item-*")
    item_id = focal.url.rsplit("#item-", 1)[1]
    card = focal.locator(f"#item-{item_id}")
    expect(card).to_contain_text("from finding MIS-XA-2016-IPPAS/R-3")

    card.get_by_role("link", name="Practices that address this").click()
    results = focal.locator("[data-testid=matches] li[data-practice]")
    expect(results.first).to_be_visible()
    assert results.count() <= 5
    adopted = results.first.get_attribute("data-practice")
    results.first.get_by_role("button", name="Adopt").click()
    expect(focal.locator(f"li[data-practice='{adopted}'] [data-testid=mark]")).to_have_text("Adopt")
    screenshot(focal, "20-plan-matches")
    focal.get_by_role("link", name="Back to the plan").click()

    card = focal.locator(f"#item-{item_id}")
    expect(card.get_by_test_id("marks")).to_contain_text("Adopt")
    card.get_by_text("Edit", exact=True).click()
    card.get_by_label("Priority").select_option("P1")
    card.get_by_label("Due date").fill("2027-06-30")
    card.get_by_role("button", name="Save").click()
    card = focal.locator(f"#item-{item_id}")
    expect(card).to_contain_text("Saved.")
    expect(card).to_contain_text("due 2027-06-30")
    expect(card.locator("h2 .badge")).to_have_text("P1")

    sharing = focal.get_by_test_id("sharing")
    sharing.get_by_label("Nuclear Security Assistance Partnership (assistance provider)").check()
    sharing.get_by_role("button", name="Share").click()
    expect(focal.get_by_test_id("sharing")).to_contain_text("Shares the whole plan with NSAP, read only")
    screenshot(focal, "21-plan-shared")

    provider = open_page()
    sign_in(provider, "provider.nsap")
    provider.get_by_role("link", name="Plans").click()
    provider.get_by_role("link", name="Plan of XA").click()
    shared = provider.locator(f"#item-{item_id}")
    expect(shared).to_contain_text("from a review finding")
    expect(shared).not_to_contain_text("MIS-XA-2016-IPPAS")
    expect(shared.get_by_role("button", name="Save")).to_have_count(0)

    focal.get_by_test_id("sharing").get_by_role("button", name="Withdraw the share").click()
    expect(focal.get_by_test_id("sharing")).to_contain_text("ended")
    response = provider.reload()
    assert response is not None and response.status == 404
