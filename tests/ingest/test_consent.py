"""A host's decision is never overridden by a file: re-ingesting keeps a withdrawal, and an older decision is refused.

The scenario found in review: the secretariat ingests a file whose record carries a public authorisation; the
focal point withdraws it in the portal; the curator fixes a typo and ingests the same file again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kb.authorisations import authorisation_history, authorise, current_authorisation, withdraw
from kb.models import Attribution, Practice, Scope, Status
from kb.queries import find_visible
from kb.viewer import PUBLIC
from tests.factories import record_data
from tests.fakes import FakeEmbedder
from tests.ingest.helpers import run_ingest

AUTHORISED = {"scope": "public", "attribution": "named", "granted_by": "National focal point, Aldoria",
              "granted_at": "2018-03-14"}


def write(folder: Path, name: str, **overrides: Any) -> Path:
    """Write a YAML file of one record (JSON is YAML) on line 1, with its authorisation on the same line."""
    record = record_data("CONSENT-1", **{"authorisation": AUTHORISED, **overrides})
    path = folder / name
    path.write_text(json.dumps([record]), encoding="utf-8")
    return path


def practice_of(session: Session) -> Practice:
    return session.exec(select(Practice).where(Practice.external_id == "CONSENT-1")).one()


def publicly_visible(engine: Engine) -> bool:
    with Session(engine) as session:
        return find_visible(session, PUBLIC, public_id=practice_of(session).public_id) is not None


def withdraw_in_the_portal(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        withdraw(session, practice=practice_of(session), by="focal.xa", via="portal")


def test_re_ingesting_after_a_withdrawal_keeps_the_withdrawal(directory_engine: Engine, tmp_path: Path) -> None:
    assert run_ingest(directory_engine, FakeEmbedder(), write(tmp_path, "a.json"), actor="curator").ok
    assert publicly_visible(directory_engine)
    withdraw_in_the_portal(directory_engine)
    assert not publicly_visible(directory_engine)

    fixed = write(tmp_path, "a.json", summary="Two-person rule for every entry to the central source store.")
    report = run_ingest(directory_engine, FakeEmbedder(), fixed, actor="curator")
    assert report.ok and report.updated == 1  # the typo is fixed...
    assert not publicly_visible(directory_engine)  # ...and the host's withdrawal stands
    with Session(directory_engine) as session:
        practice = practice_of(session)
        assert practice.summary.startswith("Two-person rule for every entry")
        history = authorisation_history(session, practice.id or 0)
        assert len(history) == 1 and history[0].withdrawn_at is not None
        assert history[0].withdrawal_entered_via == "portal"
        assert current_authorisation(session, practice.id or 0) is None


def test_an_older_differing_decision_in_a_file_rejects_the_whole_file_naming_what_holds(
    directory_engine: Engine, tmp_path: Path
) -> None:
    assert run_ingest(directory_engine, FakeEmbedder(), write(tmp_path, "b.json"), actor="curator").ok
    withdraw_in_the_portal(directory_engine)
    wider = {**AUTHORISED, "attribution": "anonymous", "granted_at": "2019-01-01"}
    other = record_data("CONSENT-2")
    path = tmp_path / "b.json"
    path.write_text(json.dumps([record_data("CONSENT-1", authorisation=wider), other], indent=1), encoding="utf-8")

    report = run_ingest(directory_engine, FakeEmbedder(), path, actor="curator")

    assert not report.ok and report.files_rejected == [path]
    message = "\n".join(str(e) for e in report.errors)
    assert message.startswith(f"{path}:")
    error = report.errors[0]
    assert (error.record, error.record_id, error.field) == (1, "CONSENT-1", "authorisation")
    assert error.line is not None and error.line > 1  # the line of the record's authorisation
    assert "not later than the last of them" in error.message
    assert "no decision in force: the last one was withdrawn on" in error.message and "focal.xa" in error.message
    with Session(directory_engine) as session:
        assert session.exec(select(Practice).where(Practice.external_id == "CONSENT-2")).first() is None
    assert not publicly_visible(directory_engine)


def test_a_newer_decision_in_a_file_is_applied_and_says_who_entered_it(
    directory_engine: Engine, tmp_path: Path
) -> None:
    assert run_ingest(directory_engine, FakeEmbedder(), write(tmp_path, "c.json"), actor="curator").ok
    withdraw_in_the_portal(directory_engine)
    regranted = {**AUTHORISED, "granted_by": "Letter of the focal point, 2 Dec 2099", "granted_at": "2099-12-02"}
    report = run_ingest(directory_engine, FakeEmbedder(), write(tmp_path, "c.json", authorisation=regranted),
                        actor="curator")
    assert report.ok, [str(e) for e in report.errors]
    assert publicly_visible(directory_engine)
    with Session(directory_engine) as session:
        latest = authorisation_history(session, practice_of(session).id or 0)[0]
        assert latest.granted_by == "Letter of the focal point, 2 Dec 2099"  # on whose authority
        assert latest.entered_by == "curator" and latest.entered_via.startswith("file c.json, line ")  # who, how


def test_check_only_reports_the_same_refusal_and_writes_nothing(directory_engine: Engine, tmp_path: Path) -> None:
    assert run_ingest(directory_engine, FakeEmbedder(), write(tmp_path, "d.json"), actor="curator").ok
    withdraw_in_the_portal(directory_engine)
    path = write(tmp_path, "d.json", authorisation={**AUTHORISED, "scope": "host_only"})
    report = run_ingest(directory_engine, FakeEmbedder(), path, check_only=True, actor="curator")
    assert not report.ok and "is not later than the last of them" in report.errors[0].message


def test_a_decided_practice_cannot_move_to_another_host(directory_engine: Engine, tmp_path: Path) -> None:
    assert run_ingest(directory_engine, FakeEmbedder(), write(tmp_path, "e.json"), actor="curator").ok
    report = run_ingest(directory_engine, FakeEmbedder(), write(tmp_path, "e.json", host_state="XB"),
                        actor="curator")
    assert not report.ok and report.errors[0].field == "host_state"
    assert "cannot move to XB" in report.errors[0].message
    with Session(directory_engine) as session:
        assert practice_of(session).host_state_code == "XA"


def test_awaiting_the_host_in_a_file_does_not_unpublish_what_the_host_authorised(
    directory_engine: Engine, tmp_path: Path
) -> None:
    pending = tmp_path / "f.json"
    pending.write_text(json.dumps([record_data("CONSENT-1", status="pending")]), encoding="utf-8")
    assert run_ingest(directory_engine, FakeEmbedder(), pending, actor="curator").ok
    with Session(directory_engine) as session, session.begin():
        authorise(session, practice=practice_of(session), scope=Scope.public, attribution=Attribution.named,
                  by="focal.xa", via="portal")
    pending.write_text(json.dumps([record_data("CONSENT-1", status="pending", title="A corrected title")]),
                       encoding="utf-8")
    assert run_ingest(directory_engine, FakeEmbedder(), pending, actor="curator").ok
    with Session(directory_engine) as session:
        practice = practice_of(session)
        assert practice.title == "A corrected title" and practice.status == Status.published
    assert publicly_visible(directory_engine)
