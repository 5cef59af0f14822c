"""Turn raw records into validated practice records, with errors that name file, line, field and fix."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from ingest.readers import RawRecord
from kb.errors import Problem
from kb.plain_words import problems_of
from kb.records import KnownNames, PracticeRecord, check_record, raw_name_problems

_MAX_SHOWN = 80


class IngestError(BaseModel):
    """One problem in one file, located as precisely as the format allows (also the API's answer)."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None
    message: str
    record: int | None = None
    record_id: str | None = None
    field: str | None = None

    @classmethod
    def at(cls, path: Path | str, line: int | None, message: str, record: int | None = None,
           record_id: str | None = None, field: str | None = None) -> IngestError:
        return cls(file=str(path), line=line, message=message, record=record, record_id=record_id, field=field)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = ""
        if self.record is not None:
            what = f" record {self.record}" + (f" (id {self.record_id})" if self.record_id else "") + ","
        return f"{where}:{what} {self.message}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def _kind_of(value: object) -> str:
    if value is None:
        return "null (an empty entry)"
    names = {str: "a text", int: "a number", float: "a number", bool: "true/false", list: "a list"}
    return names.get(type(value), type(value).__name__)


def validate_record(path: Path, raw: RawRecord, known: KnownNames) -> tuple[PracticeRecord | None, list[IngestError]]:
    """Validate one raw record; return the normalised record or the errors."""
    record_id = raw.data.get("id") if isinstance(raw.data, dict) else None
    record_id = record_id if isinstance(record_id, str) else None

    def error(field_name: str | None, message: str) -> IngestError:
        line = raw.line_of(field_name) if field_name else raw.line
        return IngestError.at(path, line, message, raw.number, record_id, field_name)

    if not isinstance(raw.data, dict):
        return None, [error(None, f"a record is a mapping of fields, not {_kind_of(raw.data)}")]
    try:
        record = PracticeRecord.model_validate(raw.data)
    except ValidationError as exc:
        problems = problems_of(exc)
        problems += raw_name_problems(raw.data, known, invalid={p.field for p in problems})
        return None, _by_line([error(p.field or None, _said(p)) for p in problems])
    record, problems = check_record(record, known)
    if problems:
        return None, _by_line([error(p.field, _said(p)) for p in problems])
    return record, []


def _said(problem: Problem) -> str:
    """Say one problem as a line of the report: the field, what is wrong with it and the fix, and the value."""
    where = f"field {problem.field}" if problem.field else "the record"
    shown = f" (value {_shown(problem.value)})" if problem.value is not None else ""
    return f"{where}: {problem.message}{shown}"


def _by_line(errors: list[IngestError]) -> list[IngestError]:
    return sorted(errors, key=lambda e: e.line or 0)
