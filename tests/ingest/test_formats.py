"""Every format loads; re-ingest updates in place; unchanged entries are not re-embedded."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fixtures import PRACTICES
from kb.accounts import user_by_name
from kb.models import Authorisation, Passage, Practice, Status
from kb.queries import find_visible
from kb.viewer import PUBLIC, viewer_for
from tests.factories import public_id_of
from tests.fakes import FakeEmbedder
from tests.ingest.helpers import run_ingest

RECORD = {
    "id": "T-001", "kind": "country_practice", "title": "Door-held alarms on the source store",
    "summary": "An alarm sounds when the door stays open.", "body": "## What was done\n\nAlarms were fitted.",
    "host_state": "XA", "source": {"type": "country_submission", "year": 2022},
    "domain": ["Security"], "sector": ["radioactive_sources"], "topic": ["Physical protection"],
}


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_each_format_of_the_demo_loads(directory_engine: Engine) -> None:
    files = sorted(p for p in PRACTICES.rglob("*") if p.is_file())
    assert {p.suffix for p in files} == {".yaml", ".json", ".jsonl", ".csv", ".md"}
    report = run_ingest(directory_engine, FakeEmbedder(), PRACTICES)
    assert report.ok, [str(e) for e in report.errors]
    assert report.added == count(directory_engine, Practice) >= 120


def test_reingest_updates_in_place_and_skips_unchanged(directory_engine: Engine, tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    path = tmp_path / "one.json"
    path.write_text(json.dumps([RECORD]))
    assert run_ingest(directory_engine, embedder, path).added == 1
    embedded = embedder.encoded

    again = run_ingest(directory_engine, embedder, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    assert embedder.encoded == embedded

    path.write_text(json.dumps([{**RECORD, "status": "published"}]))
    changed = run_ingest(directory_engine, embedder, path)
    assert (changed.added, changed.updated) == (0, 1)
    assert embedder.encoded == embedded  # the text is the same: no passage is re-embedded
    path.write_text(json.dumps([{**RECORD, "summary": "An alarm sounds after thirty seconds."}]))
    run_ingest(directory_engine, embedder, path)
    assert embedder.encoded == embedded + 1  # only the changed passage
    assert count(directory_engine, Practice) == 1
    with Session(directory_engine) as session:
        practice = session.exec(select(Practice)).one()
        assert practice.summary == "An alarm sounds after thirty seconds."
        assert count(directory_engine, Passage) == 2


def test_labels_resolve_to_vocabulary_ids(directory_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(json.dumps(RECORD))
    run_ingest(directory_engine, FakeEmbedder(), path)
    with Session(directory_engine) as session:
        curator = viewer_for(session, user_by_name(session, "curator"))
        found = find_visible(session, curator, public_id=public_id_of(session, "T-001"))
        assert found is not None
    from kb.practices import tags_of

    with Session(directory_engine) as session:
        assert tags_of(session, found[0].id or 0)["topic"] == ["physical_protection"]


def test_a_practice_without_authorisation_is_host_only(directory_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps([{**RECORD, "status": "published"}]))
    run_ingest(directory_engine, FakeEmbedder(), path)
    with Session(directory_engine) as session:
        assert count(directory_engine, Authorisation) == 0
        assert find_visible(session, PUBLIC, public_id=public_id_of(session, "T-001")) is None
        member = viewer_for(session, user_by_name(session, "reader.xb"))
        assert find_visible(session, member, public_id=public_id_of(session, "T-001")) is None
        host = viewer_for(session, user_by_name(session, "focal.xa"))
        found = find_visible(session, host, public_id=public_id_of(session, "T-001"))
        assert found is not None and found[0].status == Status.published


def test_markdown_front_matter_and_body(directory_engine: Engine, tmp_path: Path) -> None:
    fields = {k: v for k, v in RECORD.items() if k != "body"}
    front = "\n".join(f"{k}: {json.dumps(v)}" for k, v in fields.items())
    path = tmp_path / "one.md"
    path.write_text(f"---\n{front}\n---\n# Heading\n\nBody text.\n")
    report = run_ingest(directory_engine, FakeEmbedder(), path)
    assert report.ok, [str(e) for e in report.errors]
    with Session(directory_engine) as session:
        assert session.exec(select(Practice.body)).one() == "# Heading\n\nBody text."
