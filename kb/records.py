"""The practice record as written by people (files, forms, API), and its validation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from kb.authorisations import scope_problem
from kb.errors import Problem
from kb.models import Attribution, Kind, Scope, Status
from kb.vocabulary import TAG_VOCABULARIES, Vocabulary

EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$"


def _one_or_many(value: Any) -> Any:
    """Accept a single string where a list is expected."""
    if isinstance(value, str):
        return [value]
    return value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str) -> str:
    """Refuse control characters (NUL and the like), which no text needs and some databases refuse."""
    found = _CONTROL.search(value)
    if found:
        raise ValueError(f"contains the control character U+{ord(found.group()):04X} at position {found.start()}; "
                         "remove it")
    return value


Text = Annotated[str, AfterValidator(_printable)]
TagList = Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], BeforeValidator(_one_or_many)]
StringList = Annotated[list[Annotated[Text, Field(max_length=1000)]], BeforeValidator(_one_or_many)]
StateCode = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[A-Z]{2}$")]


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: str = Field(min_length=1, max_length=40)
    year: int = Field(ge=1950, le=2100)
    reference: Text = Field(default="", max_length=300)


class AuthorisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    scope: Scope
    networks: Annotated[list[Annotated[str, Field(min_length=1, max_length=32)]], BeforeValidator(_one_or_many)] = []
    attribution: Attribution = Attribution.named
    granted_by: Text = Field(default="", max_length=200)
    granted_at: date | None = None
    withdrawn_at: date | None = None

    @model_validator(mode="after")
    def _networks_match_scope(self) -> AuthorisationIn:
        problem = scope_problem(self.scope, self.networks)
        if problem:
            raise ValueError(problem)
        return self


class PracticeRecord(BaseModel):
    """One practice as ingested or edited; ids and labels of tags are resolved by `check_record`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=EXTERNAL_ID_PATTERN)
    kind: Kind
    title: Text = Field(min_length=1, max_length=300)
    summary: Text = Field(min_length=1, max_length=2000)
    body: Text = Field(default="", max_length=100_000)
    host_state: StateCode
    source: SourceIn
    language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    domain: TagList = Field(min_length=1)
    sector: TagList = Field(min_length=1)
    topic: TagList = Field(min_length=1)
    references: StringList = Field(default=[], max_length=100)
    status: Status = Status.pending
    authorisation: AuthorisationIn | None = None

    def tags(self) -> dict[str, list[str]]:
        return {"domain": self.domain, "sector": self.sector, "topic": self.topic}


@dataclass(frozen=True)
class KnownNames:
    """What a record may refer to: vocabularies, states and networks in the database."""

    vocabularies: dict[str, Vocabulary]
    states: frozenset[str]
    networks: frozenset[str]


def check_record(record: PracticeRecord, known: KnownNames) -> tuple[PracticeRecord, list[Problem]]:
    """Resolve tag labels to ids and check references; return the normalised record and any problems."""
    problems: list[Problem] = []
    resolved: dict[str, list[str]] = {}
    for name in TAG_VOCABULARIES:
        vocabulary = known.vocabularies[name]
        ids: list[str] = []
        for value in getattr(record, name):
            term_id = vocabulary.resolve(value)
            if term_id is None:
                problems.append(vocabulary.unknown_term(name, value))
            elif term_id not in ids:
                ids.append(term_id)
        resolved[name] = ids
    source_vocabulary = known.vocabularies["source_type"]
    source_type = source_vocabulary.resolve(record.source.type)
    if source_type is None:
        problems.append(source_vocabulary.unknown_term("source.type", record.source.type))
    if record.host_state not in known.states:
        problems.append(Problem("host_state", f"unknown state; known: {', '.join(sorted(known.states))} "
                                              "(add the state first)", record.host_state))
    authorisation = record.authorisation
    if authorisation is not None:
        for code in authorisation.networks:
            if code not in known.networks:
                problems.append(Problem("authorisation.networks",
                                        f"unknown network; known: {', '.join(sorted(known.networks))}", code))
        if authorisation.withdrawn_at and authorisation.granted_at and (
            authorisation.withdrawn_at < authorisation.granted_at
        ):
            problems.append(Problem("authorisation.withdrawn_at", "is before granted_at",
                                    str(authorisation.withdrawn_at)))
    normalised = record.model_copy(
        update={
            **resolved,
            "source": record.source.model_copy(update={"type": source_type or record.source.type}),
        }
    )
    return normalised, problems


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    return []


def raw_name_problems(data: dict[str, Any], known: KnownNames, *, invalid: set[str]) -> list[Problem]:
    """Check the names a record refers to although other fields are invalid, so that one pass reports everything.

    `invalid` are the fields already reported; a field under one of them is not checked again.
    """
    def reported(name: str) -> bool:
        return any(name == f or name.startswith(f"{f}.") or f.startswith(f"{name}.") for f in invalid)

    problems: list[Problem] = []
    for name in TAG_VOCABULARIES:
        if not reported(name):
            vocabulary = known.vocabularies[name]
            problems += [vocabulary.unknown_term(name, v) for v in _strings(data.get(name))
                         if vocabulary.resolve(v) is None]
    source = data.get("source")
    source_type = source.get("type") if isinstance(source, dict) else None
    if isinstance(source_type, str) and source_type.strip() and not reported("source.type"):
        vocabulary = known.vocabularies["source_type"]
        if vocabulary.resolve(source_type.strip()) is None:
            problems.append(vocabulary.unknown_term("source.type", source_type.strip()))
    host = data.get("host_state")
    if isinstance(host, str) and not reported("host_state"):
        code = host.strip().upper()
        if code not in known.states:
            problems.append(Problem("host_state", f"unknown state; known: {', '.join(sorted(known.states))} "
                                                  "(add the state first)", code))
    authorisation = data.get("authorisation")
    if isinstance(authorisation, dict) and not reported("authorisation.networks"):
        problems += [Problem("authorisation.networks", f"unknown network; known: {', '.join(sorted(known.networks))}",
                             code) for code in _strings(authorisation.get("networks")) if code not in known.networks]
    return problems


def split_list(cell: str) -> list[str]:
    """Split a `;`-separated cell into its non-empty items."""
    return [item.strip() for item in re.split(r";", cell) if item.strip()]
