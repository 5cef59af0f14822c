"""Ingest files of practices: each file is validated whole, then written in one transaction or not at all."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from tqdm import tqdm

from index.store import PassageWriter
from ingest.readers import SUPPORTED, ReadError, decode, read_records
from ingest.validate import IngestError, validate_record
from kb.authorisations import has_decisions, override_problem
from kb.curation import known_names
from kb.models import Practice
from kb.practices import Outcome, RecordRefused, stated_decision, upsert_practices
from kb.records import KnownNames, PracticeRecord
from kb.vocabulary import Vocabulary

log = logging.getLogger("kb.ingest")

MAX_FILE_BYTES = 20 * 1024 * 1024  # the default of Settings.max_upload_bytes


@dataclass(frozen=True)
class ParsedRecord:
    """A valid record and where it was read: its number and line in the file."""

    record: PracticeRecord
    number: int
    line: int | None
    authorisation_line: int | None


@dataclass
class IngestReport:
    """What one ingest run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    embedded: int = 0
    files_loaded: list[Path] = field(default_factory=list)
    files_rejected: list[Path] = field(default_factory=list)
    files_skipped: list[Path] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    records_rejected: int = 0
    records_checked: int = 0  # records of files found valid (what `--check` would have written)

    @property
    def ok(self) -> bool:
        return not self.files_rejected

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.records_rejected} rejected (in {len(self.files_rejected)} file(s)); "
            f"{len(self.files_loaded)} file(s) loaded, {len(self.files_skipped)} skipped; "
            f"{self.embedded} passage(s) embedded"
        )


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Expand folders (recursively, sorted) into files; return (files to read, files skipped)."""
    files: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                (files if child.suffix.lower() in SUPPORTED else skipped).append(child)
        else:
            files.append(path)
    return files, skipped


def parse_file(
    path: Path, known: KnownNames, max_bytes: int = MAX_FILE_BYTES, *, name: str | None = None
) -> tuple[list[ParsedRecord], list[IngestError], int]:
    """Read and validate one file; return valid records, errors (any means: do not write) and the count read.

    `name` is how errors name the file (an upload's own name rather than where it was saved).
    """
    shown = name or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return [], [IngestError.at(shown, None, f"cannot read file: {exc.strerror}")], 0
    if size > max_bytes:
        return [], [IngestError.at(shown, None, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; "
                                                "split it into smaller files")], 0
    try:
        text = decode(path.read_bytes())
        if not text.strip():
            raise ReadError("the file is empty; nothing to ingest")
        raws = read_records(path, text)
    except ReadError as exc:
        return [], [IngestError.at(shown, exc.line, str(exc))], 0
    if not raws:
        return [], [IngestError.at(shown, None, "no records found; see docs/ingest.md for the format")], 0
    records: list[ParsedRecord] = []
    errors: list[IngestError] = []
    first_seen: dict[str, int] = {}
    for raw in raws:
        record, problems = validate_record(Path(shown), raw, known)
        errors.extend(problems)
        if record is None:
            continue
        if record.id in first_seen:
            errors.append(IngestError.at(shown, raw.line, f"field id: duplicate id {record.id!r}, first used by "
                                         f"record {first_seen[record.id]}; every record needs its own id",
                                         raw.number, record.id, "id"))
            continue
        first_seen[record.id] = raw.number
        records.append(ParsedRecord(record, raw.number, raw.line, raw.line_of("authorisation")))
    errors.sort(key=lambda e: e.line or 0)  # as a person reads the file, whatever record or check found it
    return records, errors, len(raws)


def refusals(session: Session, path: str, parsed: list[ParsedRecord]) -> list[IngestError]:
    """Return the records that would override what is on record: a host's later decision, or the host itself.

    The same checks run again inside the write (under the decision lock); here they make `--check` tell.
    """
    by_id = {p.record.id: p for p in parsed}
    existing = session.exec(select(Practice).where(col(Practice.external_id).in_(list(by_id)))).all() if by_id else []
    errors: list[IngestError] = []
    for practice in existing:
        item = by_id[practice.external_id]
        if item.record.host_state != practice.host_state_code and has_decisions(session, practice):
            errors.append(IngestError.at(path, item.line, f"field host_state: the practice is hosted by "
                                         f"{practice.host_state_code}, whose decisions on sharing it are on record; "
                                         f"it cannot move to {item.record.host_state}. Give the entry about "
                                         f"{item.record.host_state} its own id", item.number, item.record.id,
                                         "host_state"))
        given = item.record.authorisation
        problem = override_problem(session, practice, stated_decision(given)) if given is not None else None
        if problem is not None:
            errors.append(IngestError.at(path, item.authorisation_line, f"field authorisation: {problem}", item.number,
                                         item.record.id, "authorisation"))
    return errors


def ingest_paths(
    paths: Iterable[Path],
    *,
    engine: Engine,
    writer: PassageWriter | None,
    vocabularies: dict[str, Vocabulary],
    actor: str = "ingest",
    check_only: bool = False,
    show_progress: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
    names: dict[Path, str] | None = None,
) -> IngestReport:
    """Validate every file, and (unless checking) write each valid file in its own transaction.

    Without a writer nothing is embedded (the records are stored; `kb reindex` embeds them later).
    """
    files, skipped = collect_files(paths)
    report = IngestReport(files_skipped=skipped)
    with Session(engine) as session:
        known = known_names(session, vocabularies)
    ids_in_run: dict[str, str] = {}
    for path in files:
        name = (names or {}).get(path, str(path))
        parsed, errors, read = parse_file(path, known, max_bytes, name=name)
        for item in parsed:
            other = ids_in_run.get(item.record.id)
            if other is not None and other != name:
                errors.append(IngestError.at(name, item.line, f"field id: id {item.record.id!r} is also in {other} in "
                                             "this run; one practice, one id, one file", item.number, item.record.id,
                                             "id"))
        if not errors:
            with Session(engine) as session:
                errors = refusals(session, name, parsed)
        if errors:
            report.errors.extend(errors)
            report.files_rejected.append(path)
            report.records_rejected += read
            continue
        for item in parsed:
            ids_in_run[item.record.id] = name
        report.records_checked += len(parsed)
        if check_only:
            report.files_loaded.append(path)
            continue
        try:
            _write_file(path, name, parsed, engine=engine, writer=writer, actor=actor, report=report,
                        show_progress=show_progress)
        except RecordRefused as exc:  # a host decided between the check and the write
            item = next(p for p in parsed if p.record.id == exc.record_id)
            line = item.authorisation_line if exc.field == "authorisation" else item.line
            report.errors.append(IngestError.at(name, line, f"field {exc.field}: {exc.message}", item.number,
                                                item.record.id, exc.field))
            report.files_rejected.append(path)
            report.records_rejected += len(parsed)
            continue
        except Exception as exc:
            log.exception("ingest of %s failed; nothing from it was written", path)
            report.errors.append(IngestError.at(name, None, f"not written: {exc.__class__.__name__}: {exc}"))
            report.files_rejected.append(path)
            report.records_rejected += len(parsed)
            continue
        report.files_loaded.append(path)
    return report


def _write_file(
    path: Path,
    name: str,
    parsed: list[ParsedRecord],
    *,
    engine: Engine,
    writer: PassageWriter | None,
    actor: str,
    report: IngestReport,
    show_progress: bool,
) -> None:
    counts = {Outcome.added: 0, Outcome.updated: 0, Outcome.unchanged: 0}
    origins = {p.record.id: f"file {Path(name).name}, line {p.line}" if p.line else f"file {Path(name).name}"
               for p in parsed}
    with Session(engine, expire_on_commit=False) as session, session.begin():
        changed = []
        for outcome, practice in upsert_practices(session, records=[p.record for p in parsed], actor=actor,
                                                  origins=origins):
            counts[outcome] += 1
            if outcome != Outcome.unchanged:
                changed.append(practice)
        embedded = 0
        if changed and writer is not None:
            with tqdm(desc=f"embedding {path.name}", unit=" passages",
                      disable=not show_progress, leave=False) as bar:
                embedded = writer.sync(session, changed, progress=bar.update)
    report.added += counts[Outcome.added]
    report.updated += counts[Outcome.updated]
    report.unchanged += counts[Outcome.unchanged]
    report.embedded += embedded
