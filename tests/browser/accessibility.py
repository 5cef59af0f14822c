"""Automated accessibility checks with axe-core (the copy bundled in axe-playwright-python), in the live page."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING = ("serious", "critical")
_axe = Axe()


def blocking_violations(page: Page) -> list[str]:
    """Return the page's serious and critical axe-core violations, each with the elements it concerns."""
    results = _axe.run(page)
    found: list[str] = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
            found.append(f"{violation['impact']} {violation['id']}: {violation['help']} at {targets}")
    return found


def assert_accessible(page: Page, state: str) -> None:
    """Fail naming the page state and each serious or critical violation axe-core finds in it."""
    found = blocking_violations(page)
    assert not found, f"{state} ({page.url}):\n  " + "\n  ".join(found)
