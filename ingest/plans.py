"""Ingest plan files (YAML): each file is validated whole, then written in one transaction or not at all."""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ingest.pipeline import MAX_FILE_BYTES, IngestReport, collect_files
from ingest.readers import ReadError, _construct, _field_lines, _yaml_node, decode
from ingest.validate import IngestError, _shown
from kb import audit
from kb.models import NEED_KINDS, Finding, Mission, PlanItem, PlanItemChange, PlanVersion, State
from kb.plain_words import field_path as _field_path
from kb.plan_records import FINDING_REFERENCE, ItemRecord, PlanRecord, area_problem, version_problems
from kb.plans import add_version, ensure_plan, item_key, item_snapshot
from kb.vocabulary import Vocabulary


@dataclass
class RawPlan:
    """A raw plan record with the lines of its versions and their items."""

    data: Any
    number: int
    line: int
    field_lines: dict[str, int]
    version_lines: list[dict[str, Any]] = field(default_factory=list)

    def line_at(self, version: int | None, item: int | None, name: str | None) -> int:
        """Return the line of a field of an item, of a version, or of the plan."""
        if version is None or version >= len(self.version_lines):
            return self.field_lines.get(name or "", self.line)
        at = self.version_lines[version]
        if item is None or item >= len(at["items"]):
            return int(at["fields"].get(name or "", at["line"]))
        line, fields = at["items"][item]
        return int(fields.get(name or "", line))


def _child(node: Node, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return v
    return None


def _sequence(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def read_plans(text: str) -> list[RawPlan]:
    """Parse a plan file: a list of plans or {plans: [...]}, keeping the line of every version and item."""
    root = _yaml_node(text)
    if root is None:
        return []
    if isinstance(root, MappingNode) and (inner := _child(root, "plans")) is not None and len(root.value) == 1:
        root = inner
    plans = []
    for number, node in enumerate(root.value if isinstance(root, SequenceNode) else [root], start=1):
        versions = [{"line": v.start_mark.line + 1, "fields": _field_lines(v, 0),
                     "items": [(i.start_mark.line + 1, _field_lines(i, 0)) for i in _sequence(_child(v, "items"))]}
                    for v in _sequence(_child(node, "versions"))]
        plans.append(RawPlan(_construct(node), number, node.start_mark.line + 1, _field_lines(node, 0), versions))
    return plans


def _findings_by_reference(session: Session) -> dict[str, tuple[str, Finding]]:
    rows = session.exec(select(Mission.external_id, Mission.host_state_code, Finding)
                        .join(Finding, col(Finding.mission_id) == col(Mission.id))).all()
    return {f"{mission}/{finding.number}": (host, finding) for mission, host, finding in rows}


def _where(version: int | None, item: int | None, record: PlanRecord | None) -> str:
    if version is None:
        return ""
    number = record.versions[version].version if record else version + 1
    return f"version {number}" + (f", item {item + 1}" if item is not None else "") + ": "


def _finding_problem(reference: str, state: str, findings: dict[str, tuple[str, Finding]]) -> str | None:
    found = findings.get(reference)
    if found is None:
        mission = reference.partition("/")[0]
        numbers = [r.partition("/")[2] for r in findings if r.startswith(mission + "/")]
        if numbers:
            return f"unknown finding {reference!r}; the mission has {', '.join(numbers)}"
        close = difflib.get_close_matches(mission, sorted({r.partition("/")[0] for r in findings}), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown finding {reference!r}: no mission {mission!r}{hint}; ingest the missions first"
    host, finding = found
    if host != state:
        return f"{reference!r} is a finding of a mission hosted by {host}, not by {state}"
    if finding.kind not in NEED_KINDS:
        return f"{reference!r} is a good practice; only a recommendation or suggestion can be a plan item"
    return None


def _raw_name_problems(data: dict[str, Any], areas: Vocabulary, states: frozenset[str],
                       findings: dict[str, tuple[str, Finding]],
                       reported: set[tuple[int | None, int | None, str | None]],
                       ) -> list[tuple[int | None, int | None, str, str]]:
    """Check the state, areas and findings a plan names although other fields are invalid: one pass reports all.

    Fields already reported by the format check (a (version, item, field) in `reported`) are not checked again.
    """
    found: list[tuple[int | None, int | None, str, str]] = []
    state = data.get("state")
    state = state.strip().upper() if isinstance(state, str) else None
    if state and state not in states and (None, None, "state") not in reported:
        found.append((None, None, "state", f"field state: unknown state {state!r}; add the state first"))
    versions = data.get("versions")
    for v, version in enumerate(versions if isinstance(versions, list) else []):
        items = version.get("items") if isinstance(version, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            area = item.get("functional_area")
            if isinstance(area, str) and area.strip() and (v, i, "functional_area") not in reported:
                unknown_area = area_problem(areas, area.strip())[1]
                if unknown_area is not None:
                    found.append((v, i, "functional_area", str(unknown_area)))
            reference = item.get("finding")
            if (isinstance(reference, str) and re.fullmatch(FINDING_REFERENCE, reference.strip()) and state
                    and (v, i, "finding") not in reported
                    and (wrong := _finding_problem(reference.strip(), state, findings))):
                found.append((v, i, "finding", f"field finding: {wrong}"))
    return found


def validate_plan(path: str, raw: RawPlan, areas: Vocabulary, states: frozenset[str],
                  findings: dict[str, tuple[str, Finding]]) -> tuple[PlanRecord | None, list[IngestError]]:
    """Validate one raw plan; return the normalised record or errors naming file, line, version, item and field."""
    state = raw.data.get("state") if isinstance(raw.data, dict) else None
    state = state if isinstance(state, str) else None

    def error(version: int | None, item: int | None, name: str | None, message: str,
              record: PlanRecord | None = None) -> IngestError:
        return IngestError.at(path, raw.line_at(version, item, name), _where(version, item, record) + message,
                              raw.number, state, name)

    try:
        record = PlanRecord.model_validate(raw.data)
    except ValidationError as exc:
        errors = []
        reported: set[tuple[int | None, int | None, str | None]] = set()
        for problem in exc.errors(include_url=False):
            loc = tuple(problem["loc"])
            version = loc[1] if len(loc) > 1 and loc[0] == "versions" and isinstance(loc[1], int) else None
            item = loc[3] if version is not None and len(loc) > 3 and isinstance(loc[3], int) else None
            rest = loc[4:] if item is not None else loc[2:] if version is not None else loc
            name = _field_path(rest) or "(record)"
            what = ("required field is missing" if problem["type"] == "missing"
                    else f"{problem['msg']} (value {_shown(problem['input'])})")
            errors.append(error(version, item, str(rest[0]) if rest else None, f"field {name}: {what}"))
            reported.add((version, item, str(rest[0]) if rest else None))
        for version, item, name, message in _raw_name_problems(raw.data, areas, states, findings, reported):
            errors.append(error(version, item, name, message))
        return None, errors
    errors = []
    if record.state not in states:
        errors.append(error(None, None, "state", f"field state: unknown state {record.state!r}; add the state first"))
    for index, out_of_order in version_problems(record):
        errors.append(error(index, None, out_of_order.field, str(out_of_order), record))
    versions = []
    for v, version_record in enumerate(record.versions):
        items = []
        for i, item_record in enumerate(version_record.items):
            term, unknown_area = area_problem(areas, item_record.functional_area)
            if unknown_area is not None:
                errors.append(error(v, i, "functional_area", str(unknown_area), record))
            if item_record.finding and (wrong := _finding_problem(item_record.finding, record.state, findings)):
                errors.append(error(v, i, "finding", f"field finding: {wrong}", record))
            items.append(item_record.model_copy(update={"functional_area": term or item_record.functional_area}))
        versions.append(version_record.model_copy(update={"items": items}))
    return (None, errors) if errors else (record.model_copy(update={"versions": versions}), [])


def _write_item(session: Session, version: PlanVersion, position: int, record: ItemRecord,
                findings: dict[str, tuple[str, Finding]], actor: str) -> bool:
    existing = session.exec(select(PlanItem).where(PlanItem.version_id == version.id,
                                                   PlanItem.position == position)).first()
    values = record.model_dump(exclude={"finding"})
    finding_id = findings[record.finding][1].id if record.finding else None
    if existing is None:
        item = PlanItem(version_id=version.id or 0, position=position, finding_id=finding_id, **values)
        session.add(item)
        session.flush()
        session.add(PlanItemChange(item_id=item.id or 0, by=actor, after=item_snapshot(item)))
        audit.record(session, actor=actor, action="plan_item.add", object_type="plan_item",
                     object_id=item_key(session, item), after=item_snapshot(item))
        return True
    before = item_snapshot(existing)
    for name, value in values.items():
        setattr(existing, name, value)
    existing.finding_id = finding_id
    after = item_snapshot(existing)
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return False
    session.add(existing)
    session.add(PlanItemChange(item_id=existing.id or 0, by=actor, before={k: before[k] for k in changed},
                               after={k: after[k] for k in changed}))
    audit.record(session, actor=actor, action="plan_item.update", object_type="plan_item",
                 object_id=item_key(session, existing), before={k: before[k] for k in changed},
                 after={k: after[k] for k in changed})
    return True


def _carry_over(session: Session, versions: list[PlanVersion]) -> None:
    """Link each item of a follow-up version to the item of the previous version it continues (same finding)."""
    for earlier, later in itertools.pairwise(versions):
        previous = {i.finding_id or i.description: i for i in session.exec(
            select(PlanItem).where(PlanItem.version_id == earlier.id))}
        for item in session.exec(select(PlanItem).where(PlanItem.version_id == later.id)):
            source = previous.get(item.finding_id) if item.finding_id else None
            if source is not None and item.carried_from_id != source.id:
                item.carried_from_id = source.id
                session.add(item)


def write_plan(session: Session, record: PlanRecord, findings: dict[str, tuple[str, Finding]], actor: str) -> bool:
    """Insert or update a plan from a checked record; return whether anything changed."""
    plan = ensure_plan(session, state_code=record.state, actor=actor)
    changed = False
    written = []
    for version_record in record.versions:
        version = session.exec(select(PlanVersion).where(PlanVersion.plan_id == plan.id,
                                                         PlanVersion.version == version_record.version)).first()
        if version is None:
            version = add_version(session, plan=plan, title=version_record.title, started=version_record.started,
                                  actor=actor, number=version_record.version)
            changed = True
        elif (version.title, version.started) != (version_record.title, version_record.started):
            version.title, version.started = version_record.title, version_record.started
            session.add(version)
            changed = True
        for position, item in enumerate(version_record.items, start=1):
            changed = _write_item(session, version, position, item, findings, actor) or changed
        written.append(version)
    session.flush()
    _carry_over(session, written)
    return changed


def ingest_plan_paths(paths: list[Path], *, engine: Engine, vocabularies: dict[str, Vocabulary],
                      actor: str = "ingest", check_only: bool = False, max_bytes: int = MAX_FILE_BYTES
                      ) -> IngestReport:
    """Validate every plan file, and (unless checking) write each valid file in its own transaction."""
    files, skipped = collect_files(paths)
    report = IngestReport(files_skipped=skipped)
    with Session(engine) as session:
        findings = _findings_by_reference(session)
        states = frozenset(session.exec(select(State.code)).all())
    for path in files:
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise ReadError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; "
                                "split it into smaller files")
            raws = read_plans(decode(path.read_bytes()))
        except OSError as exc:
            report.errors.append(IngestError.at(str(path), None, f"cannot read file: {exc.strerror}"))
            report.files_rejected.append(path)
            continue
        except ReadError as exc:
            report.errors.append(IngestError.at(str(path), exc.line, str(exc)))
            report.files_rejected.append(path)
            continue
        parsed, errors = [], []
        for raw in raws:
            record, problems = validate_plan(str(path), raw, vocabularies["functional_area"], states, findings)
            errors.extend(problems)
            if record is not None:
                parsed.append(record)
        if errors:
            report.errors.extend(errors)
            report.files_rejected.append(path)
            report.records_rejected += len(raws)
            continue
        if not check_only:
            with Session(engine) as session, session.begin():
                findings_here = _findings_by_reference(session)
                outcomes = [write_plan(session, record, findings_here, actor) for record in parsed]
            report.updated += sum(outcomes)
            report.unchanged += len(outcomes) - sum(outcomes)
        report.files_loaded.append(path)
    return report
