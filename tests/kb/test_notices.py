"""Decision notices: the focal point hears of their state's entries awaiting a decision and of curators' edits of
what they shared; the secretariat hears of hosts' decisions; nobody hears of their own acts; both can switch off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.alerting import alert_finder
from index.service import open_search
from kb.accounts import user_by_name
from kb.alerts import set_decision_notices, set_email
from kb.authorisations import authorise
from kb.config import Settings
from kb.mail import SmtpMailer
from kb.models import Alert, AlertKind, Attribution, AuditEvent, Practice, Scope
from kb.practices import upsert_practice
from kb.sending import Sender
from tests.factories import make_record
from tests.fakes import FakeEmbedder
from tests.mailbox import SmtpServer, text_of

PEOPLE = ("focal.xc", "focal.xa", "curator")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def sender(backend_settings: Settings, directory_engine: Engine, smtp: SmtpServer) -> Sender:
    """A sender over the demo directory; the focal points of XC and XA and a curator have addresses."""
    settings = backend_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                                   "smtp_tls": "none", "mail_from": "kb@secretariat.example"})
    with Session(directory_engine) as session, session.begin():
        for username in PEOPLE:
            user = user_by_name(session, username)
            assert user is not None
            set_email(session, user=user, email=f"{username}@example.org")
    # Notices are read from the audit log, not ranked: the search here only serves the sender's other alerts.
    search = open_search(settings, directory_engine, FakeEmbedder())
    return Sender(engine=directory_engine, finder=alert_finder(search), terms=lambda _s: search.catalogue.terms,
                  mailer=SmtpMailer(settings), settings=settings)


def run(sender: Sender, smtp: SmtpServer) -> dict[str, list[str]]:
    """Send once; return each person's notice texts of this run."""
    smtp.mailbox.clear()
    sender.send_due()
    return {u: [text_of(m) for m in smtp.mailbox.to(f"{u}@example.org")] for u in PEOPLE
            if smtp.mailbox.to(f"{u}@example.org")}


def edit(engine: Engine, summary: str, status: str = "pending") -> str:
    with Session(engine) as session, session.begin():
        practice = upsert_practice(session, record=make_record("GP-X", host_state="XC", status=status,
                                                               summary=summary), actor="curator")[1]
        return practice.public_id


def test_focal_points_and_the_secretariat_hear_of_decisions_to_make_and_made(
        sender: Sender, smtp: SmtpServer, directory_engine: Engine) -> None:
    assert run(sender, smtp) == {}, "notices start from now"
    with Session(directory_engine) as session:
        kinds = {a.kind for a in session.exec(select(Alert))}
    assert kinds == {AlertKind.awaiting_decision, AlertKind.host_decided}

    entry = edit(directory_engine, "Escorts for every contractor at the vault.")
    received = run(sender, smtp)
    assert list(received) == ["focal.xc"], "only the host's focal point; the curator made the change"
    assert "awaits your decision" in received["focal.xc"][0] and entry in received["focal.xc"][0]

    with Session(directory_engine) as session, session.begin():
        practice = session.exec(select(Practice).where(Practice.public_id == entry)).one()
        authorise(session, practice=practice, scope=Scope.public, attribution=Attribution.anonymous,
                  by="focal.xc", via="portal")
    received = run(sender, smtp)
    assert list(received) == ["curator"]
    assert "XC decided: Shared with everyone (public), anonymously" in received["curator"][0]

    edit(directory_engine, "Escorts for every contractor and visitor at the vault.", status="published")
    received = run(sender, smtp)
    assert list(received) == ["focal.xc"]
    assert "edited by curator after you shared it" in received["focal.xc"][0]
    assert run(sender, smtp) == {}, "nothing twice"

    with Session(directory_engine) as session, session.begin():
        focal = user_by_name(session, "focal.xc")
        assert focal is not None
        set_decision_notices(session, user=focal, enabled=False)
    edit(directory_engine, "Escorts for everyone at the vault.", status="published")
    assert run(sender, smtp) == {}, "switched off"


@pytest.mark.parametrize("backend_settings", ["postgres"], indirect=True)
def test_an_event_committed_after_a_later_one_is_still_noticed(
        sender: Sender, smtp: SmtpServer, directory_engine: Engine) -> None:
    """Two real transactions: the first takes the lower event id and commits after the second was noticed."""
    with Session(directory_engine) as session, session.begin():  # the focal point's own entry: no notice
        late = upsert_practice(session, record=make_record("GP-LATE", host_state="XC", status="draft",
                                                           summary="Two-person rule for the key safe."),
                               actor="focal.xc")[1].public_id
    assert run(sender, smtp) == {}
    slow = Session(directory_engine)
    try:
        slow.begin()
        event = AuditEvent(actor="curator", action="practice.updated", object_type="practice", object_id="GP-LATE",
                           before={"status": "draft"}, after={"status": "pending"})
        slow.add(event)
        slow.flush()
        early = edit(directory_engine, "Escorts for every contractor at the vault.")
        with Session(directory_engine) as session:
            assert (session.exec(select(func.max(AuditEvent.id))).one() or 0) > (event.id or 0), "out of order"
        received = run(sender, smtp)
        assert list(received) == ["focal.xc"] and early in received["focal.xc"][0]
        assert late not in received["focal.xc"][0], "not committed yet: invisible"
        slow.commit()
    finally:
        slow.close()
    received = run(sender, smtp)
    assert list(received) == ["focal.xc"], "the event committed late is not skipped"
    assert late in received["focal.xc"][0] and early not in received["focal.xc"][0]
    assert run(sender, smtp) == {}, "nothing twice"
