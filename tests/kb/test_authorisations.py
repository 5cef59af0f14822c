"""One decision in force per practice, enforced by the database; decisions on one practice run one at a time.

Real threads on each backend: a double submit (the same version decided twice) leaves one decision and a
conflict naming it; decisions that do not say what they were based on are applied one after the other.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kb.authorisations import authorisation_history, authorise, current_authorisation, withdraw
from kb.errors import Conflict, InvalidInput
from kb.models import Attribution, Authorisation, Practice, Scope, Status
from kb.practices import upsert_practice
from tests.factories import make_record

THREADS = 12


def add(engine: Engine, external_id: str = "CON-001", status: str = "pending") -> int:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        _, practice = upsert_practice(session, record=make_record(external_id, status=status), actor="test")
        return practice.id or 0


def in_force(engine: Engine, practice_id: int) -> list[Authorisation]:
    with Session(engine) as session:
        return list(session.exec(select(Authorisation).where(
            Authorisation.practice_id == practice_id, col(Authorisation.withdrawn_at).is_(None),
            col(Authorisation.superseded_at).is_(None))))


def race(count: int, work) -> list[object]:  # type: ignore[no-untyped-def]
    """Run `work(n)` in `count` threads released at the same moment; return what each returned or raised."""
    start = threading.Barrier(count)
    outcomes: list[object] = [None] * count

    def run(n: int) -> None:
        start.wait()
        try:
            outcomes[n] = work(n)
        except Exception as exc:  # the outcome under test
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_the_database_refuses_a_second_decision_in_force(directory_engine: Engine) -> None:
    practice_id = add(directory_engine)
    now = datetime.now(UTC)
    with Session(directory_engine) as session, session.begin():
        session.add(Authorisation(practice_id=practice_id, scope=Scope.public, granted_at=now, entered_at=now))
    with pytest.raises(IntegrityError), Session(directory_engine) as session, session.begin():
        session.add(Authorisation(practice_id=practice_id, scope=Scope.networks, granted_at=now, entered_at=now))
    assert len(in_force(directory_engine, practice_id)) == 1


def test_a_double_submit_records_one_decision_and_the_rest_are_told_what_holds(directory_engine: Engine) -> None:
    """Every thread decides on the version it read (0): one wins; each other one gets a conflict, not a row."""
    practice_id = add(directory_engine)
    attributions = [Attribution.named, Attribution.anonymous]

    def decide(n: int) -> str:
        with Session(directory_engine) as session, session.begin():
            practice = session.get(Practice, practice_id)
            assert practice is not None
            authorise(session, practice=practice, scope=Scope.public, attribution=attributions[n % 2],
                      by="focal.xa", via="test", based_on=0)
        return "recorded"

    outcomes = race(THREADS, decide)
    assert outcomes.count("recorded") == 1, outcomes
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == THREADS - 1, outcomes
    assert all("Now in force: Shared with everyone (public)" in c.message for c in conflicts)
    assert all(c.current is not None and c.current["version"] == 1 for c in conflicts)
    assert len(in_force(directory_engine, practice_id)) == 1
    with Session(directory_engine) as session:
        assert len(authorisation_history(session, practice_id)) == 1


def test_decisions_without_a_version_are_applied_one_after_the_other(directory_engine: Engine) -> None:
    practice_id = add(directory_engine, status="published")

    def decide(n: int) -> int:
        with Session(directory_engine) as session, session.begin():
            practice = session.get(Practice, practice_id)
            assert practice is not None
            authorise(session, practice=practice, scope=Scope.networks if n % 2 else Scope.public,
                      network_codes=["NSSN"] if n % 2 else [], attribution=Attribution.named, by="focal.xa",
                      via="test")
            return practice.decision_version

    outcomes = race(THREADS, decide)
    assert sorted(outcomes) == list(range(1, THREADS + 1)), outcomes  # each saw the one before it
    assert len(in_force(directory_engine, practice_id)) == 1
    with Session(directory_engine) as session:
        history = authorisation_history(session, practice_id)
        assert len(history) == THREADS
        assert Counter(a.superseded_at is None for a in history) == {False: THREADS - 1, True: 1}


def test_a_withdrawal_racing_a_grant_never_leaves_the_practice_shared_by_an_older_decision(
    directory_engine: Engine,
) -> None:
    practice_id = add(directory_engine, status="published")
    with Session(directory_engine) as session, session.begin():
        practice = session.get(Practice, practice_id)
        assert practice is not None
        authorise(session, practice=practice, scope=Scope.public, attribution=Attribution.named, by="focal.xa",
                  via="test")

    def decide(n: int) -> str:
        with Session(directory_engine) as session, session.begin():
            practice = session.get(Practice, practice_id)
            assert practice is not None
            if n % 2:
                withdraw(session, practice=practice, by="focal.xa", via="test", based_on=1)
                return "withdrawn"
            authorise(session, practice=practice, scope=Scope.public, attribution=Attribution.anonymous,
                      by="focal.xa", via="test", based_on=1)
            return "granted"

    outcomes = race(THREADS, decide)
    won = [o for o in outcomes if isinstance(o, str)]
    assert len(won) == 1 and all(isinstance(o, Conflict) for o in outcomes if not isinstance(o, str))
    assert len(in_force(directory_engine, practice_id)) == (0 if won == ["withdrawn"] else 1)


def test_a_conflict_answers_what_is_in_force_and_a_draft_is_not_for_the_host_to_decide(
    directory_engine: Engine,
) -> None:
    draft = add(directory_engine, "CON-DRAFT", status="draft")
    with Session(directory_engine) as session, session.begin():
        practice = session.get(Practice, draft)
        assert practice is not None
        with pytest.raises(InvalidInput, match="secretariat draft"):
            authorise(session, practice=practice, scope=Scope.public, attribution=Attribution.named,
                      by="focal.xa", via="test")
        with pytest.raises(InvalidInput) as missing:
            practice.status = Status.pending
            authorise(session, practice=practice, scope=None, attribution=None, by="focal.xa", via="test")
        assert {p.field for p in missing.value.problems} == {"scope", "attribution"}
        assert current_authorisation(session, draft) is None
