"""Alerts deliver, per recipient, exactly what became visible to them since the last delivery — to a real SMTP server.

One world on each backend, one search service across every change (as in a long-running sender), the real model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.alerting import alert_finder
from index.embedder import Embedder
from index.search import SearchService
from index.service import open_search
from kb.accounts import set_active, user_by_name
from kb.alerts import follow_topic, save_search, set_email
from kb.authorisations import authorise, withdraw
from kb.config import Settings
from kb.directory import set_user_networks
from kb.mail import SmtpMailer
from kb.models import AlertDelivery, Attribution, Practice, Scope
from kb.practices import upsert_practice
from kb.queries import Filters
from kb.sending import Outcome, Sender
from kb.viewer import viewer_for
from kb.vocabulary import Vocabulary
from tests.factories import make_record, writer_for
from tests.mailbox import SmtpServer, announced, html_of, text_of

# XC is in NSSN and CSSN; XB in NSSN; XK in CSSN; XP in none; expert.xs (XS) is admitted to CSSN directly.
RECIPIENTS = ("reader.xb", "reader.xk", "reader.xp", "expert.xs")


@dataclass
class World:
    engine: Engine
    search: SearchService
    settings: Settings
    smtp: SmtpServer
    embedder: Embedder
    vocabularies: dict[str, Vocabulary]

    def add(self, external_id: str, *, scope: Scope | None, networks: tuple[str, ...] = (),
            attribution: Attribution = Attribution.named, host: str = "XC", title: str = "") -> str:
        """Add a published practice on insider threats, shared as said (None: waiting for the host)."""
        with Session(self.engine) as session, session.begin():
            record = make_record(external_id, host_state=host, status="pending" if scope is None else "published",
                                 title=title or f"Vault escort rule {external_id}")
            practice = upsert_practice(session, record=record, actor="curator")[1]
            writer_for(self.embedder).sync(session, [practice])
            if scope is not None:
                authorise(session, practice=practice, scope=scope, network_codes=networks, attribution=attribution,
                          by=f"focal.{host.lower()}", via="test")
            return practice.public_id

    def practice(self, session: Session, public_id: str) -> Practice:
        return session.exec(select(Practice).where(Practice.public_id == public_id)).one()

    def follow(self, username: str, topic: str = "insider_threat") -> None:
        with Session(self.engine) as session, session.begin():
            user = user_by_name(session, username)
            assert user is not None
            set_email(session, user=user, email=f"{username}@example.org")
            follow_topic(session, user=user, viewer=viewer_for(session, user), topic=topic, frequency="asap",
                         finder=alert_finder(self.search), vocabularies=self.vocabularies)

    def send(self) -> dict[str, set[str]]:
        """Run the sender once; return what each recipient received in this run."""
        self.smtp.mailbox.clear()
        Sender(engine=self.engine, finder=alert_finder(self.search), terms=lambda _s: self.search.catalogue.terms,
               mailer=SmtpMailer(self.settings), settings=self.settings).send_due()
        received: dict[str, set[str]] = {}
        for username in RECIPIENTS:
            for message in self.smtp.mailbox.to(f"{username}@example.org"):
                received.setdefault(username, set()).update(announced(message))
        return received


@pytest.fixture
def world(backend_settings: Settings, directory_engine: Engine, embedder: Embedder,
          vocabularies: dict[str, Vocabulary]) -> Iterator[World]:
    smtp = SmtpServer().start()
    settings = backend_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                                   "smtp_tls": "none", "mail_from": "kb@secretariat.example"})
    world = World(directory_engine, open_search(settings, directory_engine, embedder), settings, smtp, embedder,
                  vocabularies)
    try:
        yield world
    finally:
        world.smtp.stop()


def test_each_recipient_receives_exactly_what_became_visible_to_them(world: World) -> None:
    before = world.add("GP-0", scope=Scope.public)
    shared_nssn = world.add("GP-1", scope=Scope.networks, networks=("NSSN",))
    for username in RECIPIENTS:
        world.follow(username)
    assert world.send() == {}, "what was visible when the alert was saved is not news"

    anonymous_cssn = world.add("GP-2", scope=Scope.networks, networks=("CSSN",), attribution=Attribution.anonymous,
                               title="Cassamar vault escort rule")
    withdrawn = world.add("GP-3", scope=Scope.public)
    with Session(world.engine) as session, session.begin():  # a withdrawal between saving and sending
        withdraw(session, practice=world.practice(session, withdrawn), by="focal.xc", via="test")
    world.add("GP-4", scope=None)  # waiting for the host: nobody outside XC sees it
    assert world.send() == {"reader.xk": {anonymous_cssn}, "expert.xs": {anonymous_cssn}}

    with Session(world.engine) as session, session.begin():  # the scope of GP-1 widened after a delivery
        authorise(session, practice=world.practice(session, shared_nssn), scope=Scope.public,
                  attribution=Attribution.named, by="focal.xc", via="test")
    assert world.send() == {"reader.xk": {shared_nssn}, "reader.xp": {shared_nssn}, "expert.xs": {shared_nssn}}

    with Session(world.engine) as session, session.begin():  # expert.xs leaves CSSN; reader.xk is deactivated
        expert = user_by_name(session, "expert.xs")
        reader = user_by_name(session, "reader.xk")
        assert expert is not None and reader is not None
        set_user_networks(session, user=expert, codes=[], actor="curator")
        set_active(session, user=reader, active=False, actor="admin")
    for_cssn = world.add("GP-5", scope=Scope.networks, networks=("CSSN",))
    for_all = world.add("GP-6", scope=Scope.public)
    assert world.send() == {"reader.xb": {for_all}, "reader.xp": {for_all}, "expert.xs": {for_all}}
    assert world.send() == {}, "nothing is announced twice"
    with Session(world.engine) as session:
        sent = [d.practices for d in session.exec(select(AlertDelivery)) if d.result == Outcome.sent]
    assert before not in {pid for practices in sent for pid in practices}
    assert for_cssn not in {pid for practices in sent for pid in practices}


def test_an_anonymous_entry_reads_as_the_recipient_sees_it_on_the_page(world: World) -> None:
    world.follow("reader.xk")
    world.add("GP-9", scope=Scope.networks, networks=("CSSN",), attribution=Attribution.anonymous,
              title="Cassamar vault escort rule")
    world.send()
    [message] = world.smtp.mailbox.to("reader.xk@example.org")
    for body in (text_of(message), html_of(message), str(message["Subject"])):
        assert "Cassamar" not in body and "(XC," not in body
    assert "host not named" in text_of(message)


def test_counts_in_a_message_count_only_entries_the_recipient_may_see(world: World) -> None:
    world.follow("reader.xb")
    for n in range(12):
        world.add(f"GP-N{n}", scope=Scope.networks, networks=("NSSN",))
    for n in range(3):
        world.add(f"GP-C{n}", scope=Scope.networks, networks=("CSSN",))
    world.send()
    [message] = world.smtp.mailbox.to("reader.xb@example.org")
    assert len(announced(message)) == 10
    assert "and 2 more" in text_of(message) and "and 2 more" in html_of(message)
    assert message["Subject"].startswith("12 new practices")
    with Session(world.engine) as session:
        [delivery] = session.exec(select(AlertDelivery)).all()
    assert delivery.result == Outcome.sent and len(delivery.practices) == 12
    assert delivery.recipient == "reader.xb@example.org"


def test_a_message_says_why_it_was_sent_and_links_to_manage_the_alert(world: World) -> None:
    world.add("GP-A", scope=Scope.public)
    with Session(world.engine) as session, session.begin():
        user = user_by_name(session, "reader.xp")
        assert user is not None
        set_email(session, user=user, email="reader.xp@example.org")
        save_search(session, user=user, viewer=viewer_for(session, user), name="Escorts at the vault",
                    query="contractors escorted into the vault", filters=Filters(sector=("radioactive_sources",)),
                    frequency="daily", finder=alert_finder(world.search), vocabularies=world.vocabularies)
    fresh = world.add("GP-B", scope=Scope.public, title="Escorting contractors into the source vault")
    assert world.send() == {"reader.xp": {fresh}}
    [message] = world.smtp.mailbox.to("reader.xp@example.org")
    text = text_of(message)
    assert "Escorts at the vault" in text and '"contractors escorted into the vault"' in text
    assert "sector: radioactive_sources" in text
    assert "/alerts/manage/" in text and "/alerts/manage/" in html_of(message)
    assert message["List-Unsubscribe"].startswith("<http")
    world.add("GP-C", scope=Scope.public, title="Escorting contractors into the source vault, again")
    assert world.send() == {}, "a daily alert delivered today waits for tomorrow"


def test_smtp_down_then_up_delivers_once(world: World) -> None:
    world.follow("reader.xb")
    fresh = world.add("GP-D", scope=Scope.public)
    world.smtp.stop()
    assert world.send() == {}
    with Session(world.engine) as session:
        assert [d.result for d in session.exec(select(AlertDelivery))] == [Outcome.failed]
    world.smtp = SmtpServer(world.smtp.port).start()
    assert world.send() == {"reader.xb": {fresh}}
    assert world.send() == {}
    with Session(world.engine) as session:
        assert sorted(d.result for d in session.exec(select(AlertDelivery))) == [Outcome.failed, Outcome.sent]
