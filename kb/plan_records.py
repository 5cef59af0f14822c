"""The plan record (a state's plan with its versions and items) as written in files and forms, and its checks."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from kb.errors import Problem
from kb.models import ItemStatus, Priority, StatusSource
from kb.records import StateCode, Text
from kb.vocabulary import Vocabulary

FINDING_REFERENCE = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}/[A-Za-z0-9][A-Za-z0-9._-]{0,19}$"


def _empty_is_none(value: object) -> object:
    return None if value == "" else value


class ItemFields(BaseModel):
    """The fields of a plan item that a person writes (in a file, a form or the API)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    functional_area: str = Field(min_length=1, max_length=64)
    description: Text = Field(min_length=1, max_length=4000)
    priority: Priority
    responsible: Text = Field(min_length=1, max_length=300)
    due: Annotated[date | None, BeforeValidator(_empty_is_none)] = None
    status: ItemStatus = ItemStatus.open
    status_source: StatusSource = StatusSource.self_reported
    assistance_requested: bool = False
    assistance_from: Text = Field(default="", max_length=300)
    notes: Text = Field(default="", max_length=4000)


class ItemRecord(ItemFields):
    """A plan item in a file: the fields, and the finding it comes from (if any)."""

    finding: Annotated[str | None, BeforeValidator(_empty_is_none),
                       Field(default=None, pattern=FINDING_REFERENCE)] = None


class VersionRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: int = Field(ge=1)
    title: Text = Field(min_length=1, max_length=300)
    started: date
    items: list[ItemRecord]


class PlanRecord(BaseModel):
    """One state's plan with all its versions (docs/missions.md, section Plans)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    state: StateCode
    versions: list[VersionRecord] = Field(min_length=1)


def area_problem(areas: Vocabulary, value: str) -> tuple[str | None, Problem | None]:
    """Resolve a functional area written as id or label; return its id, or the problem naming the allowed ones."""
    term = areas.resolve(value)
    return (term, None) if term is not None else (None, areas.unknown_term("functional_area", value))


def version_problems(record: PlanRecord) -> list[tuple[int, Problem]]:
    """Return (version index, problem) for versions out of order: numbers and start dates must both increase."""
    problems = []
    for index, (earlier, later) in enumerate(itertools.pairwise(record.versions), start=1):
        if later.version <= earlier.version:
            problems.append((index, Problem("version", f"must be higher than the previous version "
                                                       f"{earlier.version}", later.version)))
        if later.started <= earlier.started:
            problems.append((index, Problem("started", f"must be later than version {earlier.version}'s "
                                                       f"{earlier.started.isoformat()}", later.started.isoformat())))
    return problems
