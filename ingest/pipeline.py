"""Ingest files of practices: each file is validated whole, then written in one transaction or not at all."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session
from tqdm import tqdm

from index.embedder import Embedder
from index.store import sync_passages
from ingest.readers import SUPPORTED, ReadError, decode, read_records
from ingest.validate import IngestError, validate_record
from kb.curation import known_names
from kb.practices import Outcome, upsert_practices
from kb.records import KnownNames, PracticeRecord
from kb.vocabulary import Vocabulary

log = logging.getLogger("kb.ingest")

MAX_FILE_BYTES = 20 * 1024 * 1024


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
    path: Path, known: KnownNames, max_bytes: int = MAX_FILE_BYTES
) -> tuple[list[PracticeRecord], list[IngestError], int]:
    """Read and validate one file; return valid records, errors (any means: do not write) and the count read."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return [], [IngestError(path, None, f"cannot read file: {exc.strerror}")], 0
    if size > max_bytes:
        return [], [IngestError(path, None, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; "
                                            "split it into smaller files")], 0
    try:
        text = decode(path.read_bytes())
        if not text.strip():
            raise ReadError("the file is empty; nothing to ingest")
        raws = read_records(path, text)
    except ReadError as exc:
        return [], [IngestError(path, exc.line, str(exc))], 0
    if not raws:
        return [], [IngestError(path, None, "no records found; see docs/ingest.md for the format")], 0
    records: list[PracticeRecord] = []
    errors: list[IngestError] = []
    first_seen: dict[str, int] = {}
    for raw in raws:
        record, problems = validate_record(path, raw, known)
        errors.extend(problems)
        if record is None:
            continue
        if record.id in first_seen:
            errors.append(IngestError(path, raw.line, f"field id: duplicate id {record.id!r}, first used by record "
                                      f"{first_seen[record.id]}; every record needs its own id", raw.number, record.id))
            continue
        first_seen[record.id] = raw.number
        records.append(record)
    return records, errors, len(raws)


def ingest_paths(
    paths: Iterable[Path],
    *,
    engine: Engine,
    embedder: Embedder | None,
    vocabularies: dict[str, Vocabulary],
    passage_words: int,
    actor: str = "ingest",
    check_only: bool = False,
    show_progress: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
) -> IngestReport:
    """Validate every file, and (unless checking) write each valid file in its own transaction."""
    files, skipped = collect_files(paths)
    report = IngestReport(files_skipped=skipped)
    with Session(engine) as session:
        known = known_names(session, vocabularies)
    ids_in_run: dict[str, Path] = {}
    for path in files:
        records, errors, read = parse_file(path, known, max_bytes)
        for record in records:
            other = ids_in_run.get(record.id)
            if other is not None and other != path:
                errors.append(IngestError(path, None, f"field id: id {record.id!r} is also in {other} in this run; "
                                          "one practice, one id, one file", None, record.id))
        if errors:
            report.errors.extend(errors)
            report.files_rejected.append(path)
            report.records_rejected += read
            continue
        for record in records:
            ids_in_run[record.id] = path
        if check_only:
            report.files_loaded.append(path)
            continue
        try:
            _write_file(path, records, engine=engine, embedder=embedder, vocabularies=vocabularies,
                        passage_words=passage_words, actor=actor, report=report, show_progress=show_progress)
        except Exception as exc:
            log.exception("ingest of %s failed; nothing from it was written", path)
            report.errors.append(IngestError(path, None, f"not written: {exc.__class__.__name__}: {exc}"))
            report.files_rejected.append(path)
            report.records_rejected += len(records)
            continue
        report.files_loaded.append(path)
    return report


def _write_file(
    path: Path,
    records: list[PracticeRecord],
    *,
    engine: Engine,
    embedder: Embedder | None,
    vocabularies: dict[str, Vocabulary],
    passage_words: int,
    actor: str,
    report: IngestReport,
    show_progress: bool,
) -> None:
    counts = {Outcome.added: 0, Outcome.updated: 0, Outcome.unchanged: 0}
    with Session(engine, expire_on_commit=False) as session, session.begin():
        changed = []
        for outcome, practice in upsert_practices(session, records=records, actor=actor):
            counts[outcome] += 1
            if outcome != Outcome.unchanged:
                changed.append(practice)
        embedded = 0
        if changed and embedder is not None:
            with tqdm(desc=f"embedding {path.name}", unit=" passages",
                      disable=not show_progress, leave=False) as bar:
                embedded = sync_passages(session, changed, embedder=embedder, vocabularies=vocabularies,
                                         words=passage_words, progress=bar.update)
    report.added += counts[Outcome.added]
    report.updated += counts[Outcome.updated]
    report.unchanged += counts[Outcome.unchanged]
    report.embedded += embedded
