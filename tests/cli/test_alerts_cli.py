"""`kb alerts send` as real processes: two at once deliver each message once; SMTP down, then up, delivers once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.alerting import alert_finder
from index.embedder import Embedder
from index.service import open_search
from kb.accounts import user_by_name
from kb.alerts import follow_topic, set_email
from kb.authorisations import authorise
from kb.config import Settings
from kb.models import AlertDelivery, Attribution, Scope
from kb.practices import upsert_practice
from kb.viewer import viewer_for
from kb.vocabulary import Vocabulary
from tests.factories import make_record, writer_for
from tests.mailbox import SmtpServer, announced, free_port

FOLLOWERS = ("reader.xb", "reader.xp", "focal.xa")


def kb_alerts_send(settings: Settings, smtp_port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "KB_DATABASE_URL": settings.database_url, "KB_DATA_DIR": str(settings.data_dir),
           "KB_SECRET_KEY": settings.secret_key, "KB_LOG_LEVEL": "WARNING", "KB_SMTP_HOST": "127.0.0.1",
           "KB_SMTP_PORT": str(smtp_port), "KB_SMTP_TLS": "none", "KB_MAIL_FROM": "kb@secretariat.example"}
    return subprocess.Popen([sys.executable, "-m", "cli.main", "alerts", "send"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out + err


@pytest.fixture
def followed(backend_settings: Settings, directory_engine: Engine, embedder: Embedder,
             vocabularies: dict[str, Vocabulary]) -> str:
    """Three users follow insider threats; then one public practice on it appears. Return its public id."""
    search = open_search(backend_settings, directory_engine, embedder)
    with Session(directory_engine) as session, session.begin():
        for username in FOLLOWERS:
            user = user_by_name(session, username)
            assert user is not None
            set_email(session, user=user, email=f"{username}@example.org")
            follow_topic(session, user=user, viewer=viewer_for(session, user), topic="insider_threat",
                         frequency="asap", finder=alert_finder(search), vocabularies=vocabularies)
    with Session(directory_engine) as session, session.begin():
        practice = upsert_practice(session, record=make_record("GP-1", host_state="XC"), actor="curator")[1]
        writer_for(embedder).sync(session, [practice])
        authorise(session, practice=practice, scope=Scope.public, attribution=Attribution.named, by="focal.xc",
                  via="test")
        return practice.public_id


def deliveries(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        return sorted((d.recipient, d.result) for d in session.exec(select(AlertDelivery)))


def test_two_senders_at_once_deliver_each_alert_once(backend_settings: Settings, directory_engine: Engine,
                                                      followed: str) -> None:
    smtp = SmtpServer(delay=0.5).start()  # a slow server, so that both processes are sending at the same time
    try:
        first, second = kb_alerts_send(backend_settings, smtp.port), kb_alerts_send(backend_settings, smtp.port)
        for process in (first, second):
            code, output = finish(process)
            assert code == 0, output
        for username in FOLLOWERS:
            [message] = smtp.mailbox.to(f"{username}@example.org")
            assert announced(message) == {followed}
        assert len(smtp.mailbox.messages) == len(FOLLOWERS)
    finally:
        smtp.stop()
    assert deliveries(directory_engine) == [(f"{u}@example.org", "sent") for u in sorted(FOLLOWERS)]


def test_smtp_down_then_up_delivers_once(backend_settings: Settings, directory_engine: Engine, followed: str) -> None:
    port = free_port()
    code, output = finish(kb_alerts_send(backend_settings, port))  # nothing listens on the port
    assert code == 1 and "3 failed" in output, output
    smtp = SmtpServer(port).start()
    try:
        for _ in range(2):
            code, output = finish(kb_alerts_send(backend_settings, port))
            assert code == 0, output
        assert sorted(m["To"] for m in smtp.mailbox.messages) == [f"{u}@example.org" for u in sorted(FOLLOWERS)]
    finally:
        smtp.stop()
    assert deliveries(directory_engine) == sorted(
        [(f"{u}@example.org", "failed") for u in FOLLOWERS] + [(f"{u}@example.org", "sent") for u in FOLLOWERS])
