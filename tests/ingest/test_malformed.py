"""Malformed files get an error naming file, line, field, value and fix — and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fixtures import PRACTICES
from tests.fakes import FakeEmbedder
from tests.ingest.helpers import dump, run_ingest

MALFORMED = Path(__file__).resolve().parent.parent / "data" / "malformed"

EXPECTED = {
    "bad_json.json": ["bad_json.json:4:", "invalid JSON"],
    "unknown_tag.yaml": ["unknown_tag.yaml:9:", "record 1 (id BAD-TAG-001)", "field topic", "'insider threats'",
                         "allowed: ", "did you mean 'insider_threat'?"],
    "missing_field.jsonl": ["missing_field.jsonl:2:", "record 2 (id BAD-MISS-002)", "field title",
                            "required field is missing"],
    "duplicate_id.yaml": ["duplicate_id.yaml:10:", "record 2 (id BAD-DUP-001)", "duplicate id 'BAD-DUP-001'",
                          "first used by record 1"],
    "wrong_type.json": ["wrong_type.json:2:", "field source.year", "must be a whole number",
                        "'twenty twenty'"],
    "bad_encoding.csv": ["bad_encoding.csv:3:", "not valid UTF-8", "byte 0xe9", "save the file as UTF-8"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_file_is_rejected_whole_with_a_located_error(directory_engine: Engine, name: str) -> None:
    embedder = FakeEmbedder()
    run_ingest(directory_engine, embedder, PRACTICES / "nuclear.yaml")
    before = dump(directory_engine)

    report = run_ingest(directory_engine, embedder, MALFORMED / name)

    assert report.files_rejected == [MALFORMED / name]
    message = "\n".join(str(e) for e in report.errors)
    for fragment in EXPECTED[name]:
        assert fragment in message
    assert dump(directory_engine) == before


def test_valid_files_in_the_same_run_still_load(directory_engine: Engine) -> None:
    report = run_ingest(directory_engine, FakeEmbedder(), MALFORMED / "unknown_tag.yaml",
                        PRACTICES / "country_submissions.json")
    assert report.files_rejected == [MALFORMED / "unknown_tag.yaml"]
    assert report.files_loaded == [PRACTICES / "country_submissions.json"]
    assert report.added == 8
    assert not report.ok


def test_check_only_writes_nothing(directory_engine: Engine) -> None:
    before = dump(directory_engine)
    report = run_ingest(directory_engine, None, PRACTICES, check_only=True)
    assert report.ok and len(report.files_loaded) == 14
    assert dump(directory_engine) == before
