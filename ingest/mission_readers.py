"""Read mission records (each with its findings) from YAML, JSON, JSONL, CSV and Markdown files, with lines."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ingest.readers import (
    _FRONT_MATTER,
    SUPPORTED,
    RawRecord,
    ReadError,
    _construct,
    _field_lines,
    _json_load,
    _line_of_id,
    _yaml_node,
)
from kb.records import split_list

MISSION_COLUMNS = ("mission_id", "host_state", "type", "title", "start_date", "end_date", "reference", "status",
                   "scope", "follows", "summary")
FINDING_COLUMNS = ("number", "kind", "text", "domain", "sector", "topic", "functional_area", "practice")
_CSV_LISTS = {"scope", "domain", "sector", "topic"}


@dataclass
class RawMission(RawRecord):
    """A raw mission record, with the line of each finding and of each finding's fields."""

    finding_lines: list[int | None] = field(default_factory=list)
    finding_field_lines: list[dict[str, int]] = field(default_factory=list)
    row_problems: list[tuple[int, str]] = field(default_factory=list)
    """(line, message) of CSV rows whose mission columns disagree with the mission's first row"""

    def line_of_finding(self, index: int | None, field_name: str | None) -> int | None:
        """Return the line of a finding's field, of the finding, or of the record."""
        if index is None or index >= len(self.finding_lines):
            return self.line_of(field_name) if field_name else self.line
        fields = self.finding_field_lines[index] if index < len(self.finding_field_lines) else {}
        return fields.get(field_name or "", self.finding_lines[index])


def read_missions(path: Path, text: str) -> list[RawMission]:
    """Parse a file's text into raw mission records according to its extension."""
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ReadError(f"unsupported file type '{path.suffix}'; use one of {', '.join(sorted(SUPPORTED))}")
    return reader(text)


# -- YAML and Markdown ------------------------------------------------------------------------------------------


def _findings_nodes(item: Node) -> list[Node]:
    if not isinstance(item, MappingNode):
        return []
    for key, value in item.value:
        if isinstance(key, ScalarNode) and key.value == "findings" and isinstance(value, SequenceNode):
            return list(value.value)
    return []


def _read_yaml(text: str, line_offset: int = 0) -> list[RawMission]:
    root = _yaml_node(text, line_offset)
    if root is None:
        return []
    only_key = getattr(root.value[0][0], "value", None) if isinstance(root, MappingNode) and root.value else None
    if only_key == "missions" and len(root.value) == 1:
        root = root.value[0][1]
    items = root.value if isinstance(root, SequenceNode) else [root]
    records = []
    for number, item in enumerate(items, start=1):
        findings = _findings_nodes(item)
        records.append(RawMission(
            _construct(item, line_offset), number, item.start_mark.line + 1 + line_offset,
            _field_lines(item, line_offset),
            finding_lines=[f.start_mark.line + 1 + line_offset for f in findings],
            finding_field_lines=[_field_lines(f, line_offset) for f in findings],
        ))
    return records


def _read_markdown(text: str) -> list[RawMission]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise ReadError("a Markdown mission starts with YAML front matter between '---' lines", 1)
    records = _read_yaml(match.group(1) or "", line_offset=1)
    if len(records) != 1 or not isinstance(records[0].data, dict):
        raise ReadError("the front matter must be one mapping of fields", 2)
    record = records[0]
    if "summary" in record.data:
        raise ReadError("'summary' is the Markdown after the front matter, not a front-matter field",
                        record.field_lines.get("summary"))
    record.data["summary"] = text[match.end():].strip("\n")
    record.field_lines["summary"] = text.count("\n", 0, match.end()) + 1
    return [record]


# -- JSON and JSONL ---------------------------------------------------------------------------------------------


def _records_of(document: Any) -> list[Any]:
    if isinstance(document, dict) and "missions" in document and len(document) == 1:
        document = document["missions"]
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        return [document]
    raise ReadError("expected a mission, a list of missions or {missions: [...]}", 1)


def _json_finding_lines(text: str, start: int | None, record: Any, offset: int = 0) -> list[int | None]:
    """Find the line of each finding's `number` after the record's start (JSON keeps no positions)."""
    findings = record.get("findings") if isinstance(record, dict) else None
    if not isinstance(findings, list):
        return []
    lines: list[int | None] = []
    position = 0 if start is None else len("\n".join(text.split("\n")[: max(start - 1 - offset, 0)]))
    for finding in findings:
        number = finding.get("number") if isinstance(finding, dict) else None
        found = (re.compile(r'"number"\s*:\s*' + re.escape(json.dumps(number))).search(text, position)
                 if isinstance(number, str) else None)
        if found is None:
            lines.append(start)
            continue
        position = found.end()
        lines.append(text.count("\n", 0, found.start()) + 1 + offset)
    return lines


def _read_json(text: str) -> list[RawMission]:
    records = _records_of(_json_load(text))
    found = []
    for number, record in enumerate(records, start=1):
        line = _line_of_id(text, record)
        found.append(RawMission(record, number, line, finding_lines=_json_finding_lines(text, line, record)))
    return found


def _read_jsonl(text: str) -> list[RawMission]:
    records: list[RawMission] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            data = _json_load(line, line_number - 1)
            count = len(data.get("findings") or []) if isinstance(data, dict) else 0
            records.append(RawMission(data, len(records) + 1, line_number,
                                      finding_lines=[line_number] * count))
    return records


# -- CSV: one row per finding, the mission's columns repeated ---------------------------------------------------


def _cells(row: dict[str | None, Any], names: tuple[str, ...]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in names:
        cell = (row.get(name) or "").strip()
        if cell:
            found[name] = split_list(cell) if name in _CSV_LISTS else cell
    return found


def _mission_of(row: dict[str | None, Any]) -> dict[str, Any]:
    cells = _cells(row, MISSION_COLUMNS)
    if "mission_id" in cells:
        cells["id"] = cells.pop("mission_id")
    cells.setdefault("scope", [])
    return cells


def _finding_of(row: dict[str | None, Any]) -> dict[str, Any]:
    finding = _cells(row, FINDING_COLUMNS)
    for name in row:
        if name is not None and name not in MISSION_COLUMNS and name not in FINDING_COLUMNS:
            finding[name] = row[name]
    if row.get(None) is not None:
        finding["(extra cells)"] = row[None]
    return finding


def _read_csv(text: str) -> list[RawMission]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise ReadError(f"invalid CSV header: {exc}", 1) from exc
    if not header:
        return []
    missing = [c for c in ("mission_id", "host_state", "number", "kind") if c not in header]
    if missing:
        raise ReadError(f"CSV header lacks column(s) {', '.join(missing)}; expected "
                        f"{', '.join(MISSION_COLUMNS + FINDING_COLUMNS)}", 1)
    missions: dict[str, RawMission] = {}
    first_rows: dict[str, tuple[int, dict[str, Any]]] = {}
    while True:
        start = reader.line_num + 1
        try:
            row: dict[str | None, Any] = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ReadError(f"invalid CSV in the row starting here: {exc}", start) from exc
        mission = _mission_of(row)
        key = str(mission.get("id", ""))
        if key not in missions:
            missions[key] = RawMission({**mission, "findings": []}, len(missions) + 1, start,
                                       {name: start for name in mission})
            first_rows[key] = (start, mission)
        else:
            first_line, first = first_rows[key]
            for name in sorted(set(first) | set(mission)):
                if first.get(name) != mission.get(name):
                    column = "mission_id" if name == "id" else name
                    missions[key].row_problems.append(
                        (start, f"field {column}: differs from the mission's first row (line {first_line}); the "
                                "mission columns must be the same on every row"))
        if (row.get("number") or "").strip() or (row.get("kind") or "").strip():
            target = missions[key]
            target.data["findings"].append(_finding_of(row))
            target.finding_lines.append(start)
            target.finding_field_lines.append({})
    return list(missions.values())


_READERS: dict[str, Callable[[str], list[RawMission]]] = {
    ".json": _read_json,
    ".jsonl": _read_jsonl,
    ".yaml": _read_yaml,
    ".yml": _read_yaml,
    ".csv": _read_csv,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
}
