"""A reader saves a search in a real Chromium; `kb alerts send` runs; the message arrives at a real SMTP server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session

from index.embedder import Embedder
from kb.authorisations import authorise
from kb.config import Settings
from kb.models import Attribution, Scope
from kb.practices import upsert_practice
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_journeys import DOOR_PROBLEM, describe_problem
from tests.factories import make_record, writer_for
from tests.mailbox import SmtpServer, announced, text_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MANAGE = re.compile(r"https?://\S+/alerts/manage/\S+")


def kb_alerts_send(settings: Settings, smtp: SmtpServer, portal: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_DATABASE_URL": settings.database_url, "KB_DATA_DIR": str(settings.data_dir),
           "KB_SECRET_KEY": settings.secret_key, "KB_LOG_LEVEL": "WARNING", "KB_SMTP_HOST": "127.0.0.1",
           "KB_SMTP_PORT": str(smtp.port), "KB_SMTP_TLS": "none", "KB_MAIL_FROM": "kb@secretariat.example",
           "KB_PUBLIC_URL": portal}
    return subprocess.run([sys.executable, "-m", "cli.main", "alerts", "send"], env=env, capture_output=True,
                          text=True, timeout=300, check=False)


def publish_a_door_practice(engine: Engine, embedder: Embedder) -> str:
    """A host shares a new practice about the reader's problem with everyone; return its public id."""
    with Session(engine) as session, session.begin():
        record = make_record("GP-DOOR-NEW", host_state="XC", status="published",
                             title="Door alarms stop contractors propping open the source store",
                             summary="Contractors kept propping open the door to the radioactive source store; "
                                     "an alarm now sounds when it stays open.")
        practice = upsert_practice(session, record=record, actor="curator")[1]
        writer_for(embedder).sync(session, [practice])
        authorise(session, practice=practice, scope=Scope.public, attribution=Attribution.named, by="focal.xc",
                  via="test")
        return practice.public_id


def test_a_saved_search_sends_a_message_to_the_reader(open_page: Callable[[], Page], live_server: str,
                                                      live_settings: Settings, live_engine: Engine,
                                                      embedder: Embedder) -> None:
    smtp = SmtpServer().start()
    try:
        page = open_page()
        sign_in(page, "reader.xb")
        describe_problem(page, DOOR_PROBLEM)
        save = page.get_by_test_id("save-search")
        save.get_by_label("Name").fill("Propped-open doors")
        save.get_by_label("How often").select_option("asap")
        save.get_by_role("button", name="Save this search").click()
        page.wait_for_url(re.compile(r"/alerts\?saved="))
        row = page.get_by_test_id("alerts").get_by_role("row", name=re.compile("Propped-open doors"))
        expect(row).to_contain_text("not yet")
        page.get_by_label("E-mail address").fill("reader.xb@example.org")
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_url(re.compile(r"/alerts\?saved=address"))
        screenshot(page, "20-my-alerts")

        fresh = publish_a_door_practice(live_engine, embedder)
        result = kb_alerts_send(live_settings, smtp, live_server)
        assert result.returncode == 0, result.stdout + result.stderr
        [message] = smtp.mailbox.to("reader.xb@example.org")
        assert fresh in announced(message)
        assert "Propped-open doors" in message["Subject"]

        manage = MANAGE.search(text_of(message))
        assert manage is not None
        page.goto(manage.group(0))
        page.get_by_role("button", name="Stop this alert").click()
        expect(page.get_by_test_id("stopped")).to_be_visible()
        page.goto("/alerts")
        expect(page.get_by_test_id("alerts").get_by_role("row", name=re.compile("Propped-open doors"))
               .get_by_role("combobox")).to_have_value("paused")
    finally:
        smtp.stop()
