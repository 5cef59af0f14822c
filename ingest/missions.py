"""Ingest files of missions with their findings: each file is validated whole, then written in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ingest.mission_readers import RawMission, read_missions
from ingest.pipeline import MAX_FILE_BYTES, IngestReport, collect_files
from ingest.readers import ReadError, decode
from ingest.validate import IngestError, _kind_of, _shown
from kb.mission_records import MissionNames, MissionRecord, check_mission, raw_mission_problems
from kb.missions import mission_names, upsert_mission
from kb.plain_words import field_path as _field_path
from kb.plain_words import plain_message
from kb.practices import Outcome
from kb.vocabulary import Vocabulary

log = logging.getLogger("kb.ingest")


def _finding_label(raw: RawMission, index: int | None) -> str:
    if index is None:
        return ""
    findings = raw.data.get("findings") if isinstance(raw.data, dict) else None
    finding = findings[index] if isinstance(findings, list) and index < len(findings) else None
    number = finding.get("number") if isinstance(finding, dict) else None
    return f"finding {number}: " if isinstance(number, str) and number else f"finding {index + 1}: "


def _pydantic_errors(path: str, raw: RawMission, record_id: str | None, exc: ValidationError) -> list[IngestError]:
    errors = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        index = loc[1] if len(loc) >= 2 and loc[0] == "findings" and isinstance(loc[1], int) else None
        field_loc = loc[2:] if index is not None else loc
        name = _field_path(field_loc) or ("findings" if index is None and loc[:1] == ("findings",) else "(record)")
        if error["type"] == "missing":
            message = f"field {name}: required field is missing"
        elif error["type"] == "extra_forbidden":
            message = (f"field {name}: unknown field (value {_shown(error['input'])}); see docs/missions.md for the "
                       "fields a mission or finding may have")
        else:
            message = f"field {name}: {plain_message(error)} (value {_shown(error['input'])})"
        top = str(field_loc[0]) if field_loc else None
        line = raw.line_of_finding(index, top) if index is not None else raw.line_of(top or "")
        errors.append(IngestError.at(path, line, _finding_label(raw, index) + message, raw.number, record_id, name))
    return errors


def _reported_at(loc: tuple[int | str, ...]) -> tuple[int | None, str]:
    """Return (finding index or None, top field) of a format error, so the name check skips that field."""
    if len(loc) >= 3 and loc[0] == "findings" and isinstance(loc[1], int):
        return loc[1], str(loc[2])
    return None, str(loc[0]) if loc else ""


def validate_mission(path: str, raw: RawMission, names: MissionNames) -> tuple[MissionRecord | None,
                                                                               list[IngestError]]:
    """Validate one raw mission; return the normalised record or errors naming file, line, finding and field."""
    record_id = raw.data.get("id") if isinstance(raw.data, dict) else None
    record_id = record_id if isinstance(record_id, str) else None
    if not isinstance(raw.data, dict):
        return None, [IngestError.at(path, raw.line, f"a mission is a mapping of fields, not {_kind_of(raw.data)}",
                                     raw.number)]
    errors = [IngestError.at(path, line, message, raw.number, record_id) for line, message in raw.row_problems]
    try:
        record = MissionRecord.model_validate(raw.data)
    except ValidationError as exc:
        errors += _pydantic_errors(path, raw, record_id, exc)
        reported = {_reported_at(error["loc"]) for error in exc.errors(include_url=False)}
        for index, problem in raw_mission_problems(raw.data, names, reported):
            line = raw.line_of_finding(index, problem.field) if index is not None else raw.line_of(problem.field)
            errors.append(IngestError.at(path, line, _finding_label(raw, index) + str(problem), raw.number, record_id,
                                         problem.field))
        return None, errors
    record, located = check_mission(record, names)
    numbers = [f.number for f in record.findings]
    for item in located:
        index = numbers.index(item.finding) if item.finding in numbers else None
        if item.finding is not None and item.problem.field == "number":
            index = len(numbers) - 1 - numbers[::-1].index(item.finding)  # the repeated one, not the first
        label = f"finding {item.finding}: " if item.finding else ""
        line = raw.line_of_finding(index, item.problem.field) if item.finding else raw.line_of(item.problem.field)
        errors.append(IngestError.at(path, line, label + str(item.problem), raw.number, record_id, item.problem.field))
    return (None, errors) if errors else (record, [])


def parse_mission_file(path: Path, names: MissionNames, max_bytes: int = MAX_FILE_BYTES) -> tuple[
        list[tuple[MissionRecord, RawMission]], list[IngestError], int]:
    """Read and validate one file of missions; return the valid records, the errors and the count read."""
    shown = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return [], [IngestError.at(shown, None, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; "
                                                    "split it into smaller files")], 0
        text = decode(path.read_bytes())
        if not text.strip():
            raise ReadError("the file is empty; nothing to ingest")
        raws = read_missions(path, text)
    except OSError as exc:
        return [], [IngestError.at(shown, None, f"cannot read file: {exc.strerror}")], 0
    except ReadError as exc:
        return [], [IngestError.at(shown, exc.line, str(exc))], 0
    if not raws:
        return [], [IngestError.at(shown, None, "no missions found; see docs/missions.md for the format")], 0
    valid: list[tuple[MissionRecord, RawMission]] = []
    errors: list[IngestError] = []
    first_seen: dict[str, int] = {}
    for raw in raws:
        record, problems = validate_mission(shown, raw, names)
        errors.extend(problems)
        if record is None:
            continue
        if record.id in first_seen:
            errors.append(IngestError.at(shown, raw.line, f"field id: duplicate id {record.id!r}, first used by "
                                         f"record {first_seen[record.id]}", raw.number, record.id, "id"))
            continue
        first_seen[record.id] = raw.number
        valid.append((record, raw))
        names.missions[record.id] = (record.host_state, record.start_date)  # a later mission may follow it
    return valid, errors, len(raws)


def ingest_mission_paths(
    paths: Iterable[Path], *, engine: Engine, vocabularies: dict[str, Vocabulary], actor: str = "ingest",
    check_only: bool = False, max_bytes: int = MAX_FILE_BYTES,
) -> IngestReport:
    """Validate every mission file, and (unless checking) write each valid file in its own transaction."""
    files, skipped = collect_files(paths)
    report = IngestReport(files_skipped=skipped)
    with Session(engine) as session:
        names = mission_names(session, vocabularies)
    for path in files:
        before = dict(names.missions)
        parsed, errors, read = parse_mission_file(path, names, max_bytes)
        if errors:
            names.missions.clear()
            names.missions.update(before)  # a rejected file's missions cannot be followed
            report.errors.extend(errors)
            report.files_rejected.append(path)
            report.records_rejected += read
            continue
        if check_only:
            report.files_loaded.append(path)
            continue
        try:
            outcomes = []
            with Session(engine) as session, session.begin():
                for record, raw in parsed:
                    origin = f"file {path.name}, line {raw.line}" if raw.line else f"file {path.name}"
                    outcomes.append(upsert_mission(session, record=record, actor=actor, origin=origin)[0])
        except Exception as exc:
            log.exception("ingest of %s failed; nothing from it was written", path)
            report.errors.append(IngestError.at(str(path), None, f"not written: {exc.__class__.__name__}: {exc}"))
            report.files_rejected.append(path)
            report.records_rejected += len(parsed)
            continue
        report.added += outcomes.count(Outcome.added)
        report.updated += outcomes.count(Outcome.updated)
        report.unchanged += outcomes.count(Outcome.unchanged)
        report.files_loaded.append(path)
    return report
