"""Hostile and malformed ingest files: each is refused with a located message, or stored safely as text.

The manifest `tests/data/hostile/EXPECTED.yaml` says what each file must give. A refused file leaves every
table of the database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fixtures import PRACTICES
from fixtures.load import load_directory
from ingest.pipeline import MAX_FILE_BYTES, IngestReport, ingest_paths
from ingest.readers import decode, read_records
from kb import migrate
from kb.config import Settings
from kb.db import make_engine
from kb.identifying import TermsSource
from kb.models import Authorisation, Practice
from kb.projection import Projection
from kb.queries import find_visible
from kb.viewer import PUBLIC
from kb.vocabulary import Vocabulary
from tests.conftest import BACKENDS, PostgresSchema, sqlite_settings
from tests.factories import public_id_of, writer_for
from tests.fakes import FakeEmbedder

HOSTILE = Path(__file__).resolve().parent.parent / "data" / "hostile"
EXPECTED: dict[str, dict] = yaml.safe_load((HOSTILE / "EXPECTED.yaml").read_text(encoding="utf-8"))
ACROSS = ("duplicate_across_a.yaml", "duplicate_across_b.json")
REJECTED = sorted(name for name, outcome in EXPECTED.items() if "rejected" in outcome)
STORED = sorted(name for name, outcome in EXPECTED.items() if "stored" in outcome)
TEXT_FIELDS = ("title", "summary", "body")


@pytest.fixture(scope="module", params=BACKENDS)
def hostile_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One database per backend for this module: the demo directory and the nuclear demo practices."""
    schema = None
    if request.param == "sqlite":
        settings = sqlite_settings(tmp_path_factory.mktemp("hostile"))
    else:
        schema = PostgresSchema()
        settings = schema.settings(tmp_path_factory.mktemp("hostile"))
    engine = make_engine(settings)
    migrate.upgrade(engine)
    load_directory(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        if schema is not None:
            schema.drop()


def ingest(engine: Engine, vocabularies: dict[str, Vocabulary], *paths: Path) -> IngestReport:
    return ingest_paths(list(paths), engine=engine, writer=writer_for(FakeEmbedder()), vocabularies=vocabularies)


def full_dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table (the migration bookkeeping included), sorted."""
    with engine.connect() as connection:
        return {
            table: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{table}"'))), key=repr)
            for table in inspect(connection).get_table_names()
        }


def test_the_folder_holds_at_least_thirty_hostile_files_each_with_its_expectation() -> None:
    files = {p.name for p in HOSTILE.iterdir() if p.name != "EXPECTED.yaml"}
    assert files == set(EXPECTED) | set(ACROSS)
    assert len(files) >= 30
    assert all(p.stat().st_size < 200_000 for p in HOSTILE.iterdir()), "big files are generated, not committed"


@pytest.mark.parametrize("name", REJECTED)
def test_hostile_file_is_refused_with_a_located_message_and_changes_nothing(
    hostile_engine: Engine, vocabularies: dict[str, Vocabulary], name: str
) -> None:
    path = HOSTILE / name
    expected = EXPECTED[name]["rejected"]
    before = full_dump(hostile_engine)

    report = ingest(hostile_engine, vocabularies, path)

    assert report.files_rejected == [path] and not report.files_loaded
    assert report.errors, "a refused file says why"
    first = report.errors[0]
    assert first.file == str(path)
    assert first.line == expected["line"]
    message = "\n".join(str(e) for e in report.errors)
    location = f"{path}:{expected['line']}:" if expected["line"] else f"{path}:"
    assert message.startswith(location)
    for fragment in expected["errors"]:
        assert fragment in message
    assert len(message) < 5_000, "an error never echoes an enormous value back"
    assert full_dump(hostile_engine) == before


def test_a_fifty_megabyte_file_is_refused_before_it_is_read(
    hostile_engine: Engine, vocabularies: dict[str, Vocabulary], tmp_path: Path
) -> None:
    path = tmp_path / "fifty_megabytes.json"
    with path.open("wb") as out:
        out.write(b'[{"id": "HOST-BIG-001", "body": "')
        out.write(b"x" * (50 * 1024 * 1024))
        out.write(b'"}]')
    before = full_dump(hostile_engine)

    report = ingest(hostile_engine, vocabularies, path)

    assert report.files_rejected == [path]
    assert f"over the {MAX_FILE_BYTES:,}-byte limit" in str(report.errors[0])
    assert "split it into smaller files" in str(report.errors[0])
    assert full_dump(hostile_engine) == before


def test_the_same_id_in_two_files_of_one_run_refuses_the_second_file_whole(
    hostile_engine: Engine, vocabularies: dict[str, Vocabulary]
) -> None:
    first, second = (HOSTILE / name for name in ACROSS)
    assert ingest(hostile_engine, vocabularies, first).ok
    before = full_dump(hostile_engine)

    report = ingest(hostile_engine, vocabularies, first, second)

    assert report.files_loaded == [first] and report.files_rejected == [second]
    message = "\n".join(str(e) for e in report.errors)
    assert f"id 'HOST-ACROSS-001' is also in {first} in this run" in message
    assert full_dump(hostile_engine) == before, "HOST-ACROSS-002, valid on its own, is not written either"


def test_a_refused_file_does_not_stop_the_valid_files_of_the_same_run(
    hostile_engine: Engine, vocabularies: dict[str, Vocabulary]
) -> None:
    report = ingest(hostile_engine, vocabularies, HOSTILE / "truncated.json", PRACTICES / "nuclear.yaml",
                    HOSTILE / "alias_bomb.yaml")
    assert report.files_loaded == [PRACTICES / "nuclear.yaml"]
    assert report.files_rejected == [HOSTILE / "truncated.json", HOSTILE / "alias_bomb.yaml"]
    with Session(hostile_engine) as session:
        stored = set(session.exec(select(Practice.external_id)))
    assert not {"HOST-TRUNC-001", "HOST-TRUNC-002"} & stored


@pytest.mark.parametrize("name", STORED)
def test_hostile_text_is_stored_verbatim_and_served_as_data(
    hostile_engine: Engine, vocabularies: dict[str, Vocabulary], name: str
) -> None:
    path = HOSTILE / name
    report = ingest(hostile_engine, vocabularies, path)
    assert report.ok, [str(e) for e in report.errors]

    raws = {r.data["id"]: r.data for r in read_records(path, decode(path.read_bytes()))}
    assert sorted(raws) == sorted(EXPECTED[name]["stored"])
    with Session(hostile_engine) as session:
        public_view = Projection(PUBLIC, TermsSource(Settings().vocabulary_dir).current(session))
        for external_id, raw in raws.items():
            practice = session.exec(select(Practice).where(Practice.external_id == external_id)).one()
            for field in TEXT_FIELDS:
                assert getattr(practice, field) == str(raw.get(field, "")).strip()
            source = raw.get("source") or {}
            assert practice.source_reference == str(source.get("reference", "")).strip()
            assert practice.references == [r.strip() for r in raw.get("references", [])]
            granted_by = (raw.get("authorisation") or {}).get("granted_by")
            if granted_by:
                authorisation = session.exec(
                    select(Authorisation).where(Authorisation.practice_id == practice.id)
                ).one()
                assert authorisation.granted_by == granted_by
            found = find_visible(session, PUBLIC, public_id=public_id_of(session, external_id))
            if found is not None:  # published and public: the API returns the text as data, unchanged
                public = public_view.practice(found[0], {}, host_shown=found[1])
                assert (public.title, public.summary, public.body) == (
                    practice.title, practice.summary, practice.body)


def test_spreadsheet_formulas_stay_text(hostile_engine: Engine, vocabularies: dict[str, Vocabulary]) -> None:
    assert ingest(hostile_engine, vocabularies, HOSTILE / "csv_formula_injection.csv").ok
    with Session(hostile_engine) as session:
        practice = session.exec(select(Practice).where(Practice.external_id == "HOST-CSV-001")).one()
        other = session.exec(select(Practice).where(Practice.external_id == "HOST-CSV-002")).one()
    assert practice.title == "=cmd|' /C calc'!A0"
    assert practice.summary.startswith('=HYPERLINK("http://evil.example/')
    assert practice.source_reference == "+1+1"
    assert practice.references == ["-2+3", "=1+2"]
    assert other.title == "=1+1"
