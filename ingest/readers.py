"""Read practice records from JSON, JSONL, YAML, CSV and Markdown files, remembering where each came from."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kb.records import split_list
from kb.vocabulary import TAG_VOCABULARIES

SUPPORTED = {".json", ".jsonl", ".yaml", ".yml", ".csv", ".md", ".markdown"}
MAX_DEPTH = 20


class ReadError(ValueError):
    """A file that cannot be read as records at all; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class RawRecord:
    """One record as read, with its position: record number, first line and the line of each field."""

    data: Any
    number: int
    line: int | None
    field_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, field_name: str) -> int | None:
        return self.field_lines.get(field_name.split(".")[0], self.line)


def decode(raw: bytes) -> str:
    """Decode UTF-8 (with or without a byte-order mark), naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise ReadError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}){hint}; save the file as UTF-8",
            line,
        ) from exc


def read_records(path: Path, text: str) -> list[RawRecord]:
    """Parse a file's text into raw records according to its extension."""
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ReadError(f"unsupported file type '{path.suffix}'; use one of {', '.join(sorted(SUPPORTED))}")
    return reader(text)


# -- JSON ---------------------------------------------------------------------------------------


def _check_depth(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ReadError(f"nested more than {MAX_DEPTH} levels deep; a record is a flat mapping")
    if isinstance(value, dict):
        for item in value.values():
            _check_depth(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_depth(item, depth + 1)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise _DuplicateKey(key)
        mapping[key] = value
    return mapping


def _duplicate_key_error(text: str, key: str, line_offset: int) -> ReadError:
    found = list(re.finditer(re.escape(json.dumps(key)) + r"\s*:", text))
    line = text.count("\n", 0, found[1].start()) + 1 + line_offset if len(found) > 1 else None
    return ReadError(f"field {key!r} is given twice in one mapping; keep one", line)


def _json_load(text: str, line_offset: int = 0) -> Any:
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise ReadError(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno + line_offset) from exc
    except _DuplicateKey as exc:
        raise _duplicate_key_error(text, exc.key, line_offset) from exc
    except RecursionError as exc:
        raise ReadError(f"nested more than {MAX_DEPTH} levels deep; a record is a flat mapping") from exc
    _check_depth(value)
    return value


def _records_of(document: Any) -> list[Any]:
    if isinstance(document, dict) and "practices" in document and len(document) == 1:
        document = document["practices"]
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        return [document]
    raise ReadError("expected a record, a list of records or {practices: [...]}", 1)


def _line_of_id(text: str, record: Any) -> int | None:
    if isinstance(record, dict) and isinstance(record.get("id"), str):
        match = re.search(r'"id"\s*:\s*' + re.escape(json.dumps(record["id"])), text)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


def _read_json(text: str) -> list[RawRecord]:
    records = _records_of(_json_load(text))
    return [RawRecord(r, n, _line_of_id(text, r)) for n, r in enumerate(records, start=1)]


def _read_jsonl(text: str) -> list[RawRecord]:
    records: list[RawRecord] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            data = _json_load(line, line_number - 1)
            records.append(RawRecord(data, len(records) + 1, line_number))
    return records


# -- YAML ---------------------------------------------------------------------------------------


class _SafeNoAliasLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases, which records never need and alias bombs abuse."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ReadError("YAML aliases (*name) are not allowed; write each value out", event.start_mark.line + 1)
        return super().compose_node(parent, index)


def _yaml_node(text: str, line_offset: int = 0) -> Node | None:
    loader = _SafeNoAliasLoader(text)
    try:
        return loader.get_single_node()
    except ReadError as exc:
        if exc.line is not None:
            exc.line += line_offset
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        raise ReadError(f"invalid YAML: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise ReadError(f"invalid YAML: {exc}") from exc
    except RecursionError as exc:
        raise ReadError(f"nested more than {MAX_DEPTH} levels deep; a record is a flat mapping") from exc
    finally:
        loader.dispose()


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def _check_nodes(node: Node, loader: yaml.SafeLoader, line_offset: int) -> None:
    """Reject what PyYAML would accept silently or fail on without a line: repeated keys, impossible dates."""
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                if key.value in seen:
                    raise ReadError(f"field {key.value!r} is given twice in one mapping; keep one",
                                    key.start_mark.line + 1 + line_offset)
                seen.add(key.value)
            _check_nodes(value, loader, line_offset)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            _check_nodes(item, loader, line_offset)
    elif isinstance(node, ScalarNode) and node.tag == _TIMESTAMP_TAG:
        try:
            loader.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise ReadError(f"invalid date {node.value!r}: {exc}; write dates as YYYY-MM-DD",
                            node.start_mark.line + 1 + line_offset) from exc


def _construct(node: Node, line_offset: int = 0) -> Any:
    loader = _SafeNoAliasLoader("")
    try:
        _check_nodes(node, loader, line_offset)
        value = loader.construct_document(node)
        _check_depth(value)
        return value
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise ReadError(f"invalid YAML value: {exc.problem}", mark.line + 1 + line_offset if mark else None) from exc
    except (ValueError, TypeError) as exc:
        if isinstance(exc, ReadError):
            raise
        raise ReadError(f"invalid YAML value: {exc}", node.start_mark.line + 1 + line_offset) from exc
    except RecursionError as exc:
        raise ReadError(f"nested more than {MAX_DEPTH} levels deep; a record is a flat mapping") from exc
    finally:
        loader.dispose()


def _field_lines(node: Node, line_offset: int) -> dict[str, int]:
    if not isinstance(node, MappingNode):
        return {}
    return {
        str(key.value): key.start_mark.line + 1 + line_offset
        for key, _ in node.value
        if isinstance(key, ScalarNode)
    }


def _read_yaml(text: str, line_offset: int = 0) -> list[RawRecord]:
    root = _yaml_node(text, line_offset)
    if root is None:
        return []
    only_key = getattr(root.value[0][0], "value", None) if isinstance(root, MappingNode) and root.value else None
    if only_key == "practices" and len(root.value) == 1:
        root = root.value[0][1]
    items = root.value if isinstance(root, SequenceNode) else [root]
    return [
        RawRecord(_construct(item, line_offset), number, item.start_mark.line + 1 + line_offset,
                  _field_lines(item, line_offset))
        for number, item in enumerate(items, start=1)
    ]


# -- Markdown with front matter -----------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(\r?\n|\Z)", re.DOTALL)


def _read_markdown(text: str) -> list[RawRecord]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise ReadError("a Markdown practice starts with YAML front matter between '---' lines", 1)
    records = _read_yaml(match.group(1) or "", line_offset=1)
    if len(records) != 1 or not isinstance(records[0].data, dict):
        raise ReadError("the front matter must be one mapping of fields", 2)
    record = records[0]
    if "body" in record.data:
        raise ReadError("'body' is the Markdown after the front matter, not a front-matter field",
                        record.field_lines.get("body"))
    record.data["body"] = text[match.end():].strip("\n")
    record.field_lines["body"] = text.count("\n", 0, match.end()) + 1
    return [record]


# -- CSV ----------------------------------------------------------------------------------------

CSV_LISTS = (*TAG_VOCABULARIES, "references")


def _csv_record(row: dict[str, str]) -> dict[str, Any]:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    record: dict[str, Any] = {
        name: cell(name) for name in ("id", "kind", "title", "summary", "body", "host_state", "language", "status")
        if cell(name)
    }
    for name in CSV_LISTS:
        if cell(name):
            record[name] = split_list(cell(name))
    source: dict[str, Any] = {}
    if cell("source_type"):
        source["type"] = cell("source_type")
    if cell("source_year"):
        source["year"] = cell("source_year")
    if cell("source_reference"):
        source["reference"] = cell("source_reference")
    if source:
        record["source"] = source
    auth_cells: dict[str, Any] = {name[5:]: cell(name) for name in row
                                  if name and name.startswith("auth_") and cell(name)}
    if auth_cells:
        if "networks" in auth_cells:
            auth_cells["networks"] = split_list(auth_cells["networks"])
        record["authorisation"] = auth_cells
    unknown = [name for name in row if name is not None and name not in CSV_COLUMNS]
    for name in unknown:
        record[name] = row[name]
    extra = cast(dict[str | None, Any], row).get(None)  # csv.DictReader files surplus cells under None
    if extra is not None:
        record["(extra cells)"] = extra
    return record


CSV_COLUMNS = (
    "id", "kind", "title", "summary", "body", "host_state", "source_type", "source_year", "source_reference",
    "language", *TAG_VOCABULARIES, "references", "status", "auth_scope", "auth_networks",
    "auth_attribution", "auth_granted_by", "auth_granted_at", "auth_withdrawn_at",
)


def _read_csv(text: str) -> list[RawRecord]:
    stream = io.StringIO(text, newline="")
    reader = csv.DictReader(stream, strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise ReadError(f"invalid CSV header: {exc}", 1) from exc
    if not header:
        return []
    missing = [c for c in ("id", "kind", "title", "summary", "host_state") if c not in header]
    if missing:
        raise ReadError(f"CSV header lacks column(s) {', '.join(missing)}; expected {', '.join(CSV_COLUMNS)}", 1)
    records: list[RawRecord] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            hint = "; a quoted cell is never closed" if "end of data" in str(exc) else ""
            raise ReadError(f"invalid CSV in the row starting here: {exc}{hint}", start) from exc
        records.append(RawRecord(_csv_record(row), len(records) + 1, start))
    return records


_READERS: dict[str, Callable[[str], list[RawRecord]]] = {
    ".json": _read_json,
    ".jsonl": _read_jsonl,
    ".yaml": _read_yaml,
    ".yml": _read_yaml,
    ".csv": _read_csv,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
}
