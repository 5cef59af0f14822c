"""Export the whole knowledge base to a portable file, and import it into an empty database on either backend.

The file is JSON lines (gzip-compressed when the name ends in `.gz`): a header line, then one line per row,
`{"table": ..., "row": {...}}`, tables in an order that satisfies every foreign key. Ids are kept, so the
authorisation history, memberships and the audit log come back exactly as they were.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Date, DateTime, Integer, LargeBinary, Table, func, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import SQLModel

import kb.models  # noqa: F401  (registers the tables)
from kb import migrate
from kb.changes import CHANGE_LOG_LOCK
from kb.models import utcnow

FORMAT = "kb-export"
VERSION = 1
# Foreign keys point backwards in this list. Tokens and sessions are never exported; the change log is per database.
TABLES = (
    "state", "network", "state_network", "user", "user_network", "practice", "practice_tag",
    "authorisation", "authorisation_network", "passage", "audit_event",
    "provider", "provider_user", "mission", "finding", "plan", "plan_version", "plan_item", "plan_item_change",
    "plan_item_practice", "plan_share", "plan_share_network", "plan_share_provider", "plan_share_item",
)
BATCH = 1000


class PortableError(ValueError):
    """A file that cannot be imported, or a database that cannot take it."""


@dataclass
class Counts:
    """How many rows of each table went through."""

    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str) -> None:
        self.rows[table] = self.rows.get(table, 0) + 1

    def summary(self) -> str:
        return ", ".join(f"{count} {table}" for table, count in self.rows.items()) or "nothing"


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return cast(IO[str], gzip.open(path, mode + "t", encoding="utf-8"))
    return path.open(mode, encoding="utf-8")


def _to_json(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row[column.name]
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, bytes | memoryview):
            value = base64.b64encode(bytes(value)).decode("ascii")
        out[column.name] = value
    return out


def _from_json(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    unknown = set(row) - set(table.columns.keys())
    if unknown:
        raise PortableError(f"table {table.name}: unknown column(s) {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for column in table.columns:
        value = row.get(column.name)
        kind = _python_type(column.type)
        if value is not None and kind is datetime:
            value = datetime.fromisoformat(value)
        elif value is not None and kind is date:
            value = date.fromisoformat(value)
        elif value is not None and kind is bytes:
            value = base64.b64decode(value)
        out[column.name] = value
    return out


def _python_type(sql_type: TypeEngine[Any]) -> type | None:
    base = sql_type.impl_instance if isinstance(sql_type, TypeDecorator) else sql_type
    if isinstance(base, DateTime):
        return datetime
    if isinstance(base, Date):
        return date
    return bytes if isinstance(base, LargeBinary) else None


def _rows(connection: Connection, name: str) -> Iterator[dict[str, Any]]:
    table = _table(name)
    statement = select(table).order_by(*table.primary_key.columns)
    for row in connection.execute(statement).mappings():
        yield dict(row)


def export_kb(engine: Engine, path: Path, *, with_password_hashes: bool = False, with_vectors: bool = False) -> Counts:
    """Write every practice, tag, authorisation, network, participation, user and audit event to a file."""
    counts = Counts()
    header = {
        "format": FORMAT, "version": VERSION, "schema_revision": migrate.current_revision(engine),
        "exported_at": utcnow().isoformat(), "with_password_hashes": with_password_hashes,
        "with_vectors": with_vectors,
    }
    with engine.connect() as connection, _open(path, "w") as out:
        out.write(json.dumps(header) + "\n")
        for name in TABLES:
            if name == "passage" and not with_vectors:
                continue
            table = _table(name)
            for row in _rows(connection, name):
                if name == "user" and not with_password_hashes:
                    row["password_hash"] = ""
                out.write(json.dumps({"table": name, "row": _to_json(table, row)}, ensure_ascii=False) + "\n")
                counts.add(name)
    return counts


def read_header(path: Path) -> dict[str, Any]:
    """Return the header of an export file, checking that it is one."""
    try:
        with _open(path, "r") as handle:
            header = json.loads(handle.readline() or "{}")
    except (OSError, ValueError, EOFError) as exc:
        raise PortableError(f"{path} is not a knowledge-base export: {exc}") from exc
    if header.get("format") != FORMAT:
        raise PortableError(f"{path} is not a knowledge-base export (no '{FORMAT}' header)")
    if header.get("version") != VERSION:
        raise PortableError(f"{path} is export format version {header.get('version')}; this program reads {VERSION}")
    return header


def non_empty_tables(engine: Engine) -> list[str]:
    """Return the tables of the knowledge base that already hold rows."""
    with engine.connect() as connection:
        return [
            name for name in (*TABLES, "api_token", "user_session")
            if connection.execute(select(func.count()).select_from(_table(name))).scalar_one()
        ]


def import_kb(engine: Engine, path: Path, *, actor: str = "import") -> Counts:
    """Restore an export into an empty database (either backend), in one transaction."""
    header = read_header(path)
    current = migrate.current_revision(engine)
    if header.get("schema_revision") != current:
        raise PortableError(f"the file was exported at schema revision {header.get('schema_revision')}, the "
                            f"database is at {current}; upgrade both to the same version (`kb init`) first")
    busy = non_empty_tables(engine)
    if busy:
        raise PortableError(f"the database is not empty ({', '.join(busy)} hold rows); "
                            "import only into a new database")
    counts = Counts()
    with engine.begin() as connection, _open(path, "r") as handle:
        handle.readline()
        pending: list[dict[str, Any]] = []
        pending_table: str | None = None
        for number, line in enumerate(handle, start=2):
            try:
                item = json.loads(line)
                name, row = item["table"], item["row"]
            except (ValueError, KeyError, TypeError) as exc:
                raise PortableError(f"{path}:{number}: not an export row ({exc})") from exc
            if name not in TABLES:
                raise PortableError(f"{path}:{number}: unknown table {name!r}")
            if name != pending_table:
                _insert(connection, pending_table, pending)
                pending, pending_table = [], name
            pending.append(_from_json(_table(name), row))
            counts.add(name)
            if len(pending) >= BATCH:
                _insert(connection, pending_table, pending)
                pending = []
        _insert(connection, pending_table, pending)
        _restart_sequences(connection)
        _note_import(connection, header=header, counts=counts, actor=actor)
    return counts


def _insert(connection: Connection, name: str | None, rows: list[dict[str, Any]]) -> None:
    if name is not None and rows:
        connection.execute(insert(_table(name)), rows)


def _restart_sequences(connection: Connection) -> None:
    """On PostgreSQL, move each id sequence past the imported ids (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    for table in SQLModel.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer) or table.name not in TABLES:
            continue
        column = keys[0].name
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:table, :column), "
            f"COALESCE((SELECT MAX(\"{column}\") FROM \"{table.name}\"), 0) + 1, false)"
        ), {"table": f'"{table.name}"', "column": column})


def _note_import(connection: Connection, *, header: dict[str, Any], counts: Counts, actor: str) -> None:
    """Audit the import and log every practice as changed, so running processes load them."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})
    now = utcnow()
    connection.execute(insert(_table("audit_event")), [{
        "at": now, "actor": actor, "action": "kb.import", "object_type": "kb", "object_id": "",
        "before": None, "after": {"exported_at": header.get("exported_at"), "rows": counts.rows},
    }])
    practices = connection.execute(select(_table("practice").c.external_id)).scalars().all()
    changes = [{"at": now, "object_type": "practice", "object_id": external_id} for external_id in practices]
    changes.append({"at": now, "object_type": "kb", "object_id": "import"})
    connection.execute(insert(_table("change_log")), changes)
