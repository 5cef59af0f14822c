"""A malformed file's every error, of every record, comes in one pass, in line order, in plain words with the fix."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from fixtures import PRACTICES
from tests.ingest.helpers import dump, run_ingest

MANY = Path(__file__).resolve().parent.parent / "data" / "malformed" / "many_problems.yaml"


def test_every_error_of_every_record_is_reported_at_once_sorted_by_line(directory_engine: Engine) -> None:
    before = dump(directory_engine)

    report = run_ingest(directory_engine, None, MANY, check_only=True)

    assert report.files_rejected == [MANY]
    found = [(e.line, e.record_id, e.field) for e in report.errors]
    assert found == [
        (2, "BAD-MANY-001", "kind"),
        (5, "BAD-MANY-001", "host_state"),  # a type error elsewhere no longer hides the unknown state
        (6, "BAD-MANY-001", "source.year"),
        (9, "BAD-MANY-001", "topic"),  # ... nor the unknown tag
        (12, "BAD-MANY-002", "title"),
        (15, "BAD-MANY-002", "source.type"),
        (16, "BAD-MANY-002", "domain"),
    ]
    said = {e.field: e.message for e in report.errors}
    assert said["kind"] == ("field kind: must be one of 'good_practice' or 'country_practice' "
                            "(did you mean 'good_practice'?) (value 'best_practice')")
    assert said["host_state"].startswith("field host_state: unknown state; known: ")
    assert said["source.year"] == "field source.year: must be a whole number, e.g. 2024 (value 'twenty twenty')"
    assert "did you mean 'insider_threat'?" in said["topic"]
    assert said["title"] == "field title: must not be empty; write it (value '')"
    assert "did you mean 'ippas'?" in said["source.type"]
    assert said["domain"] == "field domain: choose at least one (value [])"
    assert not any("Input should" in e.message or "validation" in e.message for e in report.errors)
    assert dump(directory_engine) == before


def test_check_only_counts_the_records_it_would_write(directory_engine: Engine) -> None:
    report = run_ingest(directory_engine, None, PRACTICES / "nuclear.yaml", check_only=True)
    assert report.ok and report.records_checked > 0 and report.added == 0
