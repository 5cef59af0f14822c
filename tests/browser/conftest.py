"""Browser fixtures: a live server on its own copy of the demo database, and headless Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.engine import Engine

from index.embedder import Embedder
from kb.config import Settings
from kb.db import make_engine
from tests.web.demo_copy import copy_demo
from web.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
DEMO_PASSWORD = "demo-password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_settings(demo_settings: Settings, demo_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The live server's own copy of the demo database (the journeys write to it)."""
    return copy_demo(demo_settings, tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="session")
def live_engine(live_settings: Settings) -> Iterator[Engine]:
    """The tests' own connection to the live server's database, for checking what was stored."""
    engine = make_engine(live_settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_settings: Settings, embedder: Embedder) -> Iterator[str]:
    """Serve the app with uvicorn on a free port of 127.0.0.1 and return its base URL."""
    port = free_port()
    config = uvicorn.Config(create_app(live_settings, embedder=embedder), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the live server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """Open fresh browser pages (each its own cookie jar) on the live server."""
    contexts = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, username: str) -> None:
    """Sign in through the form, like a person."""
    page.goto("/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    assert page.get_by_test_id("who").is_visible()


def screenshot(page: Page, name: str) -> None:
    """Save a full-page screenshot under tests/screenshots/ (ignored by git)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
