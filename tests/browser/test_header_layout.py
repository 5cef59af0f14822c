"""The header at desktop and phone widths: every role's nav links sit on one line at 1280 px, none overflow at 390."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import sign_in


@pytest.mark.parametrize("who", ["public", "reader.xb", "focal.xl", "curator", "admin"])
def test_the_nav_stays_on_one_line_at_desktop_width_and_inside_the_screen_on_a_phone(
    open_page: Callable[[], Page], who: str
) -> None:
    page = open_page()
    if who != "public":
        sign_in(page, who)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    links = page.locator("header.site nav a")
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count())) if box}
    assert len(tops) == 1, f"{who}: the nav wraps onto {len(tops)} lines at 1280 px"
    header = page.locator("header.site").bounding_box()
    assert header is not None and header["height"] < 100, f"{who}: the header is {header} at 1280 px"
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/")
    widest = page.evaluate("Math.max(...[...document.querySelectorAll('header.site *')]"
                           ".map(e => e.getBoundingClientRect().right))")
    assert widest <= 390, f"{who}: the header overflows a 390 px screen ({widest} px)"
