"""The mission record (with its findings) as written in files, and its validation against vocabularies and names."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from kb.errors import Problem
from kb.models import FindingKind, MissionStatus
from kb.records import EXTERNAL_ID_PATTERN, StateCode, TagList, Text, _strings
from kb.vocabulary import TAG_VOCABULARIES, Vocabulary

NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$"
_PREFIX_KIND = {"R": FindingKind.recommendation, "S": FindingKind.suggestion, "GP": FindingKind.good_practice}


def _empty_is_none(value: Any) -> Any:
    return None if value == "" else value


class FindingRecord(BaseModel):
    """One finding of a mission as written in a file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str = Field(pattern=NUMBER_PATTERN)
    kind: FindingKind
    text: Text = Field(min_length=1, max_length=4000)
    domain: TagList = Field(min_length=1)
    sector: TagList = Field(min_length=1)
    topic: TagList = Field(min_length=1)
    functional_area: Annotated[str | None, BeforeValidator(_empty_is_none)] = None
    practice: Annotated[str | None, BeforeValidator(_empty_is_none)] = None
    note: Text = Field(default="", max_length=4000)


class MissionRecord(BaseModel):
    """One mission with all its findings as written in a file (docs/missions.md)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=EXTERNAL_ID_PATTERN)
    host_state: StateCode
    type: str = Field(min_length=1, max_length=40)
    title: Text = Field(min_length=1, max_length=300)
    start_date: date
    end_date: date
    reference: Text = Field(default="", max_length=300)
    status: MissionStatus
    scope: TagList
    follows: Annotated[str | None, BeforeValidator(_empty_is_none)] = None
    summary: Text = Field(min_length=1, max_length=10_000)
    findings: list[FindingRecord]


@dataclass(frozen=True)
class MissionNames:
    """What a mission record may refer to: vocabularies, states, missions and practices (with their hosts)."""

    vocabularies: dict[str, Vocabulary]
    states: frozenset[str]
    missions: dict[str, tuple[str, date]]
    """external id → (host state, start date), of the database and of the run so far"""
    practices: dict[str, str]
    """external id → host state"""
    practice_findings: dict[str, str]
    """practice external id → 'MISSION/NUMBER' of the finding already linked to it"""


@dataclass(frozen=True)
class Located:
    """A problem found in a record: the finding it is in (its number), or None for the mission itself."""

    finding: str | None
    problem: Problem


def _resolve(vocabulary: Vocabulary, name: str, values: list[str], problems: list[Problem]) -> list[str]:
    ids: list[str] = []
    for value in values:
        term = vocabulary.resolve(value)
        if term is None:
            problems.append(vocabulary.unknown_term(name, value))
        elif term not in ids:
            ids.append(term)
    return ids


def _number_problem(finding: FindingRecord) -> Problem | None:
    prefix = re.match(r"^(GP|R|S)-", finding.number)
    if prefix and _PREFIX_KIND[prefix.group(1)] != finding.kind:
        return Problem("kind", f"number {finding.number!r} is that of a {_PREFIX_KIND[prefix.group(1)]}, "
                               f"not a {finding.kind}; correct the number or the kind", str(finding.kind))
    return None


def _check_finding(record: MissionRecord, finding: FindingRecord, names: MissionNames) -> tuple[FindingRecord,
                                                                                                  list[Problem]]:
    problems: list[Problem] = []
    tags = {name: _resolve(names.vocabularies[name], name, getattr(finding, name), problems)
            for name in TAG_VOCABULARIES}
    area = finding.functional_area
    if area is not None:
        vocabulary = names.vocabularies["functional_area"]
        area = vocabulary.resolve(area)
        if area is None:
            problems.append(vocabulary.unknown_term("functional_area", finding.functional_area or ""))
    if (wrong := _number_problem(finding)) is not None:
        problems.append(wrong)
    if finding.practice is not None:
        problems.extend(_practice_problems(record, finding, names))
    return finding.model_copy(update={**tags, "functional_area": area}), problems


def _practice_problems(record: MissionRecord, finding: FindingRecord, names: MissionNames) -> list[Problem]:
    practice = finding.practice or ""
    if finding.kind != FindingKind.good_practice:
        return [Problem("practice", "only a good_practice finding may name a practice", practice)]
    host = names.practices.get(practice)
    if host is None:
        return [Problem("practice", "unknown practice; ingest the practice first (or in the same run)", practice)]
    if host != record.host_state:
        return [Problem("practice", f"has host state {host}, not the mission's host {record.host_state}", practice)]
    linked = names.practice_findings.get(practice)
    if linked is not None and linked != f"{record.id}/{finding.number}":
        return [Problem("practice", f"already belongs to finding {linked}; one practice, one finding", practice)]
    return []


def _follows_problem(record: MissionRecord, names: MissionNames) -> Problem | None:
    if record.follows is None:
        return None
    earlier = names.missions.get(record.follows)
    if earlier is None:
        close = difflib.get_close_matches(record.follows, list(names.missions), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return Problem("follows", f"unknown mission{hint}; ingest the earlier mission first (or in the same run)",
                       record.follows)
    host, start = earlier
    if host != record.host_state:
        return Problem("follows", f"is a mission hosted by {host}, not by {record.host_state}", record.follows)
    if start >= record.start_date:
        return Problem("follows", f"started on {start.isoformat()}, not before this mission", record.follows)
    return None


def check_mission(record: MissionRecord, names: MissionNames) -> tuple[MissionRecord, list[Located]]:
    """Resolve tag labels to ids and check every reference; return the normalised record and located problems."""
    problems: list[Problem] = []
    source = names.vocabularies["source_type"]
    kind = source.resolve(record.type)
    if kind is None:
        problems.append(source.unknown_term("type", record.type))
    scope = _resolve(names.vocabularies["topic"], "scope", record.scope, problems)
    if record.host_state not in names.states:
        problems.append(Problem("host_state", f"unknown state; known: {', '.join(sorted(names.states))} "
                                              "(add the state first)", record.host_state))
    if record.end_date < record.start_date:
        problems.append(Problem("end_date", f"is before start_date {record.start_date.isoformat()!r}",
                                record.end_date.isoformat()))
    if (follows := _follows_problem(record, names)) is not None:
        problems.append(follows)
    located = [Located(None, p) for p in problems]
    findings: list[FindingRecord] = []
    seen: set[str] = set()
    for finding in record.findings:
        if finding.number in seen:
            located.append(Located(finding.number, Problem("number", "appears twice in this mission; each finding "
                                                                     "needs its own number", finding.number)))
        seen.add(finding.number)
        checked, finding_problems = _check_finding(record, finding, names)
        findings.append(checked)
        located.extend(Located(finding.number, p) for p in finding_problems)
    normalised = record.model_copy(update={"type": kind or record.type, "scope": scope, "findings": findings})
    return normalised, located


def raw_mission_problems(data: dict[str, Any], names: MissionNames,
                         reported: set[tuple[int | None, str]]) -> list[tuple[int | None, Problem]]:
    """Check the names a mission refers to although other fields are invalid, so that one pass reports everything.

    Returns (finding index or None, problem); a (finding index, field) in `reported` is not checked again.
    """
    found: list[tuple[int | None, Problem]] = []

    def terms(index: int | None, name: str, vocabulary: str, value: object) -> None:
        if (index, name) not in reported:
            known = names.vocabularies[vocabulary]
            found.extend((index, known.unknown_term(name, v)) for v in _strings(value) if known.resolve(v) is None)

    terms(None, "type", "source_type", data.get("type"))
    terms(None, "scope", "topic", data.get("scope"))
    host = data.get("host_state")
    if isinstance(host, str) and host.strip() and (None, "host_state") not in reported:
        code = host.strip().upper()
        if code not in names.states:
            found.append((None, Problem("host_state", f"unknown state; known: {', '.join(sorted(names.states))} "
                                                      "(add the state first)", code)))
    follows = data.get("follows")
    if (isinstance(follows, str) and follows.strip() and (None, "follows") not in reported
            and follows.strip() not in names.missions):
        close = difflib.get_close_matches(follows.strip(), list(names.missions), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        found.append((None, Problem("follows", f"unknown mission{hint}; ingest the earlier mission first (or in the "
                                               "same run)", follows.strip())))
    findings = data.get("findings")
    for index, finding in enumerate(findings if isinstance(findings, list) else []):
        if not isinstance(finding, dict):
            continue
        for name in TAG_VOCABULARIES:
            terms(index, name, name, finding.get(name))
        terms(index, "functional_area", "functional_area", finding.get("functional_area"))
        practice = finding.get("practice")
        if (isinstance(practice, str) and practice.strip() and (index, "practice") not in reported
                and practice.strip() not in names.practices):
            found.append((index, Problem("practice", "unknown practice; ingest the practice first (or in the same "
                                                     "run)", practice.strip())))
    return found

