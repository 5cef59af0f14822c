"""Every page and state of the portal, checked with axe-core in Chromium: no serious or critical violation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page
from sqlalchemy.engine import Engine

from tests.browser.accessibility import blocking_violations
from tests.browser.conftest import sign_in
from tests.browser.test_journeys import DOOR_PROBLEM, describe_problem, opaque

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PUBLIC_PAGES = ["/", "/browse", "/browse/topic/insider_threat", "/signin", "/about", "/help", "/glossary",
                "/accessibility", "/practices/no-such-practice"]
SECRETARIAT_PAGES = ["/secretariat", "/secretariat/practices/new", "/secretariat/practices/GP-RAD-001/edit",
                     "/secretariat/upload", "/secretariat/audit", "/secretariat/networks", "/secretariat/users"]


def check(page: Page, state: str, found: list[str]) -> None:
    found.extend(f"{state}: {v}" for v in blocking_violations(page))


def test_public_pages_and_search_states_have_no_serious_violations(
    open_page: Callable[[], Page], live_engine: Engine
) -> None:
    page = open_page()
    found: list[str] = []
    for path in PUBLIC_PAGES:
        page.goto(path)
        check(page, path, found)
    page.goto("/")
    describe_problem(page, DOOR_PROBLEM)
    check(page, "results", found)
    page.locator("input[name=kind]").first.check()
    page.wait_for_load_state("networkidle")
    check(page, "results with a filter", found)
    describe_problem(page, "zqxv wvut")
    check(page, "no results", found)
    page.goto(f"/practices/{opaque(live_engine, 'CP-NUC-001')}")
    check(page, "anonymous practice", found)
    page.goto("/signin")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    check(page, "sign-in refused", found)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/?q={DOOR_PROBLEM}")
    check(page, "phone results", found)
    page.get_by_test_id("filters-toggle").click()
    check(page, "phone filters open", found)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("username", ["reader.xb", "focal.xa"])
def test_member_and_focal_point_pages_have_no_serious_violations(
    open_page: Callable[[], Page], live_engine: Engine, username: str
) -> None:
    page = open_page()
    sign_in(page, username)
    found: list[str] = []
    check(page, "home signed in", found)
    describe_problem(page, DOOR_PROBLEM)
    check(page, "results signed in", found)
    page.goto(f"/practices/{opaque(live_engine, 'GP-RAD-001')}")
    check(page, "practice", found)
    if username.startswith("focal"):
        page.goto("/our-practices")
        check(page, "our practices", found)
        page.goto(f"/practices/{opaque(live_engine, 'CP-NUC-001')}")
        check(page, "own practice with its history", found)
    assert not found, "\n".join(found)


def test_secretariat_pages_have_no_serious_violations(open_page: Callable[[], Page]) -> None:
    page = open_page()
    sign_in(page, "curator")
    found: list[str] = []
    for path in SECRETARIAT_PAGES:
        page.goto(path)
        check(page, path, found)
    page.goto("/secretariat/practices/new")
    page.get_by_role("button", name="Save practice").click()
    check(page, "new practice refused", found)
    assert not found, "\n".join(found)
