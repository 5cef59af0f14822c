"""Validation errors in plain words with the fix, one `Problem` per field, for files, forms and the API alike."""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from kb.errors import Problem

_PATTERN_HINTS = {
    "id": "use letters, digits and . _ : - only (at most 80, starting with a letter or digit), e.g. GP-2024-XA-007",
    "host_state": "use the state's two-letter code, e.g. XA",
    "language": "use a two-letter language code in lower case, e.g. en",
}
_WHOLE_NUMBER = {"int_parsing", "int_type", "int_from_float"}
_DAY = {"date_parsing", "date_type", "date_from_datetime_parsing", "date_from_datetime_inexact"}
_MAPPING = {"model_type", "model_attributes_type", "dict_type"}


def field_path(loc: tuple[int | str, ...]) -> str:
    """Return the dotted field path of an error, without pydantic's validator names."""
    return ".".join(str(part) for part in loc if not (isinstance(part, str) and part.startswith("function-")))


def _closest(value: object, expected: str) -> str:
    """Return " (did you mean 'x'?)" for the allowed value that a misspelt one most resembles, or nothing."""
    allowed = re.findall(r"'([^']*)'", expected)
    close = difflib.get_close_matches(value.strip(), allowed, n=1, cutoff=0.6) if isinstance(value, str) else []
    return f" (did you mean {close[0]!r}?)" if close else ""


def _count(n: object, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def plain_message(error: ErrorDetails) -> str:
    """Say what is wrong with one value and how to fix it, without the validator's jargon."""
    kind, ctx = error["type"], error.get("ctx") or {}
    name = field_path(error["loc"]).rsplit(".", 1)[-1]
    if kind == "missing":
        return "required field is missing; add it"
    if kind == "extra_forbidden":
        return "unknown field; remove it or check its spelling (see docs/ingest.md for the fields a record may have)"
    if kind in _WHOLE_NUMBER:
        return "must be a whole number, e.g. 2024"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be {'at least' if kind == 'greater_than_equal' else 'more than'} {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be {'at most' if kind == 'less_than_equal' else 'less than'} {ctx.get('le', ctx.get('lt'))}"
    if kind == "string_type":
        return "must be text"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "must not be empty; write it" if least == 1 else \
            f"needs at least {_count(least, 'character', 'characters')}"
    if kind == "string_too_long":
        return f"is too long: at most {_count(ctx.get('max_length'), 'character', 'characters')}; shorten it"
    if kind == "string_pattern_mismatch":
        return f"is not in the expected form: {_PATTERN_HINTS.get(name, 'see docs/ingest.md for the form it takes')}"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return "choose at least one" if least == 1 else f"choose at least {least}"
    if kind == "too_long":
        return f"has too many entries: at most {_count(ctx.get('max_length'), 'item', 'items')}; remove some"
    if kind == "list_type":
        return "must be a list of values (or a single value)"
    if kind in ("enum", "literal_error"):
        return f"must be one of {ctx.get('expected')}{_closest(error.get('input'), str(ctx.get('expected')))}"
    if kind in _DAY:
        return "must be a day written YYYY-MM-DD, e.g. 2024-03-01"
    if kind in _MAPPING:
        return "must be a group of named fields (a mapping), not a single value"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    message = error["msg"].replace("Input should be", "must be")
    return message[:1].lower() + message[1:]


def problems_of(exc: ValidationError) -> list[Problem]:
    """Return one plain-words problem per invalid field of a validation error, in the order of the fields."""
    found = []
    for error in exc.errors(include_url=False):
        value: Any = None if error["type"] == "missing" else error.get("input")
        found.append(Problem(field_path(error["loc"]), plain_message(error), value))
    return found
