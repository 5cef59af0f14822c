"""Storage, tags, authorisation history, audit log and change log behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from kb.accounts import user_by_name
from kb.authorisations import (
    AuthorisationError,
    authorisation_history,
    authorise,
    current_authorisation,
    grant,
    network_codes_of,
    withdraw,
)
from kb.changes import current_change_seq, note_change
from kb.models import Attribution, AuditEvent, ChangeLog, Practice, Scope, Status
from kb.practices import Outcome, tags_of, upsert_practice
from kb.queries import Filters, find_visible, visible_rows
from kb.records import PracticeRecord
from kb.viewer import PUBLIC, viewer_for
from tests import factories


def make_record(external_id: str = "BK-001", **overrides: Any) -> PracticeRecord:
    """Return the factory's valid record, with a title, references and a body that exercise storage."""
    return factories.make_record(external_id, **{
        "title": "Two-person rule for the source store", "sector": ["nuclear_power"], "references": ["Report 7, §3"],
        "body": "Ünïcode body — with *Markdown*.", **overrides})


def add_practice(engine: Engine, record: PracticeRecord) -> tuple[Outcome, int]:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        outcome, practice = upsert_practice(session, record=record, actor="test")
        return outcome, practice.id or 0


def test_upsert_adds_updates_and_leaves_unchanged_records_alone(directory_engine: Engine) -> None:
    assert add_practice(directory_engine, make_record())[0] == Outcome.added
    seq_after_add = _seq(directory_engine)
    assert add_practice(directory_engine, make_record())[0] == Outcome.unchanged
    assert _seq(directory_engine) == seq_after_add
    outcome, practice_id = add_practice(directory_engine, make_record(title="Two-person rule, revised"))
    assert outcome == Outcome.updated
    with Session(directory_engine) as session:
        practices = session.exec(select(Practice)).all()
        assert [(p.id, p.title) for p in practices] == [(practice_id, "Two-person rule, revised")]
        stored = practices[0]
        assert stored.references == ["Report 7, §3"]
        assert stored.body == "Ünïcode body — with *Markdown*."
        assert stored.updated_at.tzinfo is not None
        actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert [a for a in actions if a.startswith("practice.")] == ["practice.added", "practice.updated"]
        updated = session.exec(select(AuditEvent).where(AuditEvent.action == "practice.updated")).one()
        assert updated.before is not None and updated.before["title"] == "Two-person rule for the source store"
        assert updated.after is not None and updated.after["title"] == "Two-person rule, revised"


def test_tags_are_replaced_not_accumulated(directory_engine: Engine) -> None:
    _, practice_id = add_practice(directory_engine, make_record(domain=["security", "safety"]))
    add_practice(directory_engine, make_record(domain=["safety"], topic=["insider_threat", "security_culture"]))
    with Session(directory_engine) as session:
        tags = tags_of(session, practice_id)
    assert tags == {"domain": ["safety"], "sector": ["nuclear_power"], "topic": ["insider_threat", "security_culture"]}


def test_authorisation_history_keeps_every_decision(directory_engine: Engine) -> None:
    _, practice_id = add_practice(directory_engine, make_record(status="pending"))
    with Session(directory_engine, expire_on_commit=False) as session, session.begin():
        practice = session.get(Practice, practice_id)
        assert practice is not None
        first = authorise(session, practice=practice, scope=Scope.networks, network_codes=["NSSN"],
                          attribution=Attribution.named, by="focal.xa", via="test")
        assert practice.status == Status.published
        second = grant(session, practice=practice, scope=Scope.public, attribution=Attribution.anonymous,
                       by="focal.xa", entered_by="focal.xa", entered_via="test")
    with Session(directory_engine) as session:
        history = authorisation_history(session, practice_id)
        assert [a.id for a in history] == [second.id, first.id]
        assert history[1].superseded_at is not None and history[1].withdrawn_at is None
        assert network_codes_of(session, first.id or 0) == ["NSSN"]
        current = current_authorisation(session, practice_id)
        assert current is not None and current.id == second.id
        stored = session.get(Practice, practice_id)
        assert stored is not None
        assert find_visible(session, PUBLIC, public_id=stored.public_id) == (stored, False)
    with Session(directory_engine, expire_on_commit=False) as session, session.begin():
        practice = session.get(Practice, practice_id)
        assert practice is not None
        withdraw(session, practice=practice, by="focal.xa", via="test")
    with Session(directory_engine) as session:
        history = authorisation_history(session, practice_id)
        assert len(history) == 2
        assert history[0].withdrawn_at is not None and history[0].withdrawn_by == "focal.xa"
        assert current_authorisation(session, practice_id) is None
        assert find_visible(session, PUBLIC, public_id=stored.public_id) is None
        reader = viewer_for(session, user_by_name(session, "reader.xb"))
        assert visible_rows(session, reader, Filters(), {}) == []
        own = viewer_for(session, user_by_name(session, "focal.xa"))
        assert visible_rows(session, own, Filters(), {}) == [(practice_id, True)]
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.object_id == "BK-001")
                               .order_by(AuditEvent.id)).all()
        assert actions == ["practice.added", "authorisation.grant", "authorisation.grant",
                           "authorisation.withdraw"]


def test_withdrawing_twice_is_refused(directory_engine: Engine) -> None:
    _, practice_id = add_practice(directory_engine, make_record())
    with Session(directory_engine) as session, session.begin():
        practice = session.get(Practice, practice_id)
        assert practice is not None
        grant(session, practice=practice, scope=Scope.public, by="focal.xa", entered_by="focal.xa",
              entered_via="test")
        withdraw(session, practice=practice, by="focal.xa", via="test")
        with pytest.raises(AuthorisationError, match="no authorisation in force"):
            withdraw(session, practice=practice, by="focal.xa", via="test")


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"])
def test_the_database_refuses_to_change_the_audit_log(directory_engine: Engine, statement: str) -> None:
    with Session(directory_engine) as session:
        before = session.exec(select(AuditEvent.id, AuditEvent.actor).order_by(AuditEvent.id)).all()
    assert before
    with pytest.raises(DBAPIError, match="append-only"), directory_engine.begin() as connection:
        connection.execute(text(statement))
    with Session(directory_engine) as session:
        assert session.exec(select(AuditEvent.id, AuditEvent.actor).order_by(AuditEvent.id)).all() == before


def test_change_log_sequence_only_grows(directory_engine: Engine) -> None:
    seen = [_seq(directory_engine)]
    for number in range(3):
        add_practice(directory_engine, make_record(f"BK-{number:03d}"))
        seen.append(_seq(directory_engine))
    assert seen == sorted(set(seen))
    with Session(directory_engine) as session:
        seqs = session.exec(select(ChangeLog.seq).order_by(ChangeLog.seq)).all()
        changed = session.exec(select(ChangeLog.object_id).where(ChangeLog.object_type == "practice")).all()
    assert seqs == sorted(set(seqs)) and seqs[-1] == seen[-1]
    assert {"BK-000", "BK-001", "BK-002"} <= set(changed)


def test_a_change_committed_later_gets_a_later_sequence_number(engine: Engine) -> None:
    """Otherwise a process that caught up past a late-committing change would never see it."""
    committed = threading.Event()

    def second_writer() -> None:
        with Session(engine) as session, session.begin():
            note_change(session, object_type="practice", object_id="second")
        committed.set()

    with Session(engine) as first:
        note_change(first, object_type="practice", object_id="first")
        first.flush()
        writer = threading.Thread(target=second_writer)
        writer.start()
        assert not committed.wait(1.0)  # the second writer waits until the first commits
        first.commit()
    writer.join(timeout=30)
    assert committed.is_set()
    with Session(engine) as session:
        order = session.exec(select(ChangeLog.object_id).order_by(ChangeLog.seq)).all()
    assert order == ["first", "second"]


def _seq(engine: Engine) -> int:
    with Session(engine) as session:
        return current_change_seq(session)
