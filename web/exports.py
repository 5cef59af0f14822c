"""Exports as CSV: the rows of the one projection (kb.projection), flattened, one column per field."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from pydantic import BaseModel

from kb.schemas import AuthorisationPublic

# A spreadsheet runs a cell starting with these as a formula: such text is exported with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """Return one field as spreadsheet-safe text: lists joined by "; ", decisions by their description."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(item.description if isinstance(item, AuthorisationPublic) else cell(item) for item in value)
    return spreadsheet_safe(str(value))


def spreadsheet_safe(text: str) -> str:
    """Return text a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: Sequence[BaseModel], fields: Sequence[str]) -> str:
    """Return the rows as CSV with a header of the fields, in that order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([cell(getattr(row, name)) for name in fields])
    return out.getvalue()
