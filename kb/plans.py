"""A state's improvement plan: versions, items from findings or entered directly, every change kept and audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, func, select

from kb import audit
from kb.errors import InvalidInput, NotAllowed, NotFound, Problem
from kb.missions import finding_for, is_need
from kb.models import (
    OPEN_ITEM_STATUSES,
    Finding,
    Mission,
    Plan,
    PlanItem,
    PlanItemChange,
    PlanVersion,
    Priority,
    utcnow,
)
from kb.plan_records import ItemFields, area_problem
from kb.viewer import Viewer
from kb.visibility import plan_edited_by, plan_items_visible_to, plans_visible_to
from kb.vocabulary import Vocabulary

EDITABLE = tuple(ItemFields.model_fields)


class PlanError(InvalidInput):
    """A change to a plan that cannot be made as asked."""


def _plain(value: object) -> object:
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def item_snapshot(item: PlanItem) -> dict[str, Any]:
    """Return the fields of an item as data (for its change history and the audit log)."""
    return {name: _plain(getattr(item, name)) for name in EDITABLE}


def item_key(session: Session, item: PlanItem) -> str:
    """Return how the audit log names an item: its plan's state, version and id."""
    version = session.get(PlanVersion, item.version_id)
    plan = session.get(Plan, version.plan_id) if version else None
    return f"{plan.state_code if plan else '?'}/v{version.version if version else '?'}/{item.id}"


# -- reading as a viewer ----------------------------------------------------------------------------------------


def plan_for(session: Session, viewer: Viewer, state_code: str) -> Plan:
    """Return a state's plan if the viewer may see it; a hidden plan is exactly as missing as none."""
    plan = session.exec(select(Plan).where(Plan.state_code == state_code.upper(), plans_visible_to(viewer))).first()
    if plan is None:
        raise NotFound(f"no plan for {state_code!r}")
    return plan


def plans_for(session: Session, viewer: Viewer) -> list[Plan]:
    """Return the plans the viewer may see, by state."""
    return list(session.exec(select(Plan).where(plans_visible_to(viewer)).order_by(col(Plan.state_code))))


def versions_of(session: Session, plan: Plan) -> list[PlanVersion]:
    """Return a plan's versions, oldest first."""
    return list(session.exec(select(PlanVersion).where(PlanVersion.plan_id == plan.id)
                             .order_by(col(PlanVersion.version))))


def version_of(session: Session, plan: Plan, number: int | None = None) -> PlanVersion:
    """Return one version of a plan (the latest when no number is given)."""
    versions = versions_of(session, plan)
    chosen = versions[-1:] if number is None else [v for v in versions if v.version == number]
    if not chosen:
        raise NotFound(f"no version {number} of this plan")
    return chosen[0]


def items_for(session: Session, viewer: Viewer, version: PlanVersion) -> list[PlanItem]:
    """Return the items of a version that the viewer may see, in plan order."""
    return list(session.exec(select(PlanItem).where(PlanItem.version_id == version.id, plan_items_visible_to(viewer))
                             .order_by(col(PlanItem.position), col(PlanItem.id))))


def item_for(session: Session, viewer: Viewer, item_id: int) -> PlanItem:
    """Return one item the viewer may see."""
    item = session.exec(select(PlanItem).where(PlanItem.id == item_id, plan_items_visible_to(viewer))).first()
    if item is None:
        raise NotFound(f"no plan item {item_id}")
    return item


def plan_of_item(session: Session, item: PlanItem) -> Plan:
    version = session.get(PlanVersion, item.version_id)
    plan = session.get(Plan, version.plan_id) if version is not None else None
    if plan is None:
        raise NotFound(f"no plan item {item.id}")
    return plan


def changes_of(session: Session, item: PlanItem) -> list[PlanItemChange]:
    """Return an item's change history, newest first."""
    return list(session.exec(select(PlanItemChange).where(PlanItemChange.item_id == item.id)
                             .order_by(col(PlanItemChange.id).desc())))


def finding_reference(session: Session, item: PlanItem) -> str | None:
    """Return 'MISSION-ID/NUMBER' of the finding an item comes from (shown to its state and the secretariat)."""
    if item.finding_id is None:
        return None
    row = session.exec(select(Mission.external_id, Finding.number).join(Finding, col(Finding.mission_id) == col(
        Mission.id)).where(Finding.id == item.finding_id)).first()
    return f"{row[0]}/{row[1]}" if row else None


# -- changing a plan --------------------------------------------------------------------------------------------


def may_edit(viewer: Viewer, plan: Plan) -> None:
    if not plan_edited_by(viewer, plan.state_code):
        raise NotAllowed("only the state's focal points and the secretariat change a plan; a shared plan is read only")


def ensure_plan(session: Session, *, state_code: str, actor: str) -> Plan:
    """Return a state's plan, creating it (empty) the first time."""
    plan = session.exec(select(Plan).where(Plan.state_code == state_code)).first()
    if plan is None:
        plan = Plan(state_code=state_code)
        session.add(plan)
        session.flush()
        audit.record(session, actor=actor, action="plan.create", object_type="plan", object_id=state_code)
    return plan


def add_version(session: Session, *, plan: Plan, title: str, started: date, actor: str,
                number: int | None = None) -> PlanVersion:
    """Add a version to a plan (the next number unless given)."""
    latest = session.exec(select(func.max(PlanVersion.version)).where(PlanVersion.plan_id == plan.id)).one() or 0
    version = PlanVersion(plan_id=plan.id or 0, version=number or latest + 1, title=title, started=started)
    session.add(version)
    session.flush()
    audit.record(session, actor=actor, action="plan.version", object_type="plan", object_id=plan.state_code,
                 after={"version": version.version, "title": title, "started": started.isoformat()})
    return version


def start_follow_up(session: Session, *, viewer: Viewer, plan: Plan, title: str, started: date,
                    actor: str) -> PlanVersion:
    """Start a new version from the open and in-progress items of the latest one, as a follow-up mission does."""
    may_edit(viewer, plan)
    previous = version_of(session, plan)
    if started <= previous.started:
        raise PlanError(f"must be later than version {previous.version}'s {previous.started.isoformat()}",
                        field="started", value=started.isoformat())
    version = add_version(session, plan=plan, title=title, started=started, actor=actor)
    carried = [i for i in items_for(session, viewer, previous) if i.status in OPEN_ITEM_STATUSES]
    for position, item in enumerate(carried, start=1):
        copy = PlanItem(**item_snapshot(item) | {"version_id": version.id, "position": position,
                                                 "finding_id": item.finding_id, "carried_from_id": item.id})
        copy.due = item.due
        session.add(copy)
    session.flush()
    return version


def _checked(fields: ItemFields, areas: Vocabulary) -> ItemFields:
    term, problem = area_problem(areas, fields.functional_area)
    if problem is not None:
        raise PlanError([problem])
    return fields.model_copy(update={"functional_area": term})


def add_item(session: Session, *, viewer: Viewer, version: PlanVersion, fields: ItemFields, areas: Vocabulary,
             actor: str, finding: Finding | None = None) -> PlanItem:
    """Add an item to a version: a need from a finding, or one entered directly (a self-assessment)."""
    plan = session.get(Plan, version.plan_id)
    assert plan is not None
    may_edit(viewer, plan)
    checked = _checked(fields, areas)
    position = (session.exec(select(func.max(PlanItem.position)).where(PlanItem.version_id == version.id)).one()
                or 0) + 1
    values = checked.model_dump()
    item = PlanItem(version_id=version.id or 0, position=position,
                    finding_id=finding.id if finding else None, **values)
    session.add(item)
    session.flush()
    session.add(PlanItemChange(item_id=item.id or 0, by=actor, before=None, after=item_snapshot(item)))
    audit.record(session, actor=actor, action="plan_item.add", object_type="plan_item",
                 object_id=item_key(session, item), after=item_snapshot(item))
    return item


def item_from_finding(session: Session, *, viewer: Viewer, reference: str, areas: Vocabulary,
                      actor: str, priority: Priority = Priority.P2) -> PlanItem:
    """Turn a recommendation or suggestion of the viewer's state into an item of its plan's latest version."""
    finding = finding_for(session, viewer, reference)
    if not is_need(finding):
        raise PlanError("a good-practice finding cannot be a plan item; choose a recommendation or suggestion",
                        field="finding", value=reference)
    mission = session.get(Mission, finding.mission_id)
    assert mission is not None
    plan = ensure_plan(session, state_code=mission.host_state_code, actor=actor)
    may_edit(viewer, plan)
    versions = versions_of(session, plan)
    version = versions[-1] if versions else add_version(session, plan=plan, title="Improvement plan",
                                                        started=utcnow().date(), actor=actor)
    area = finding.functional_area or next(iter(areas.terms))
    fields = ItemFields(functional_area=area, description=finding.text, priority=priority,
                        responsible="To be decided")
    return add_item(session, viewer=viewer, version=version, fields=fields, areas=areas, actor=actor,
                    finding=finding)


def update_item(session: Session, *, viewer: Viewer, item: PlanItem, changes: Mapping[str, object],
                areas: Vocabulary, actor: str) -> PlanItem:
    """Change an item's fields; the change is kept (who, when, before and after) and audited."""
    may_edit(viewer, plan_of_item(session, item))
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise PlanError([Problem(name, f"not a field of a plan item; fields: {', '.join(EDITABLE)}")
                         for name in unknown])
    before = item_snapshot(item)
    try:
        fields = _checked(ItemFields.model_validate(before | dict(changes)), areas)
    except ValidationError as exc:
        raise PlanError([Problem(".".join(str(p) for p in e["loc"]), e["msg"], e.get("input"))
                         for e in exc.errors(include_url=False)]) from exc
    after_values = fields.model_dump()
    for name, value in after_values.items():
        setattr(item, name, value)
    after = item_snapshot(item)
    changed = {k for k in after if after[k] != before[k]}
    if not changed:
        return item
    item.updated_at = utcnow()
    session.add(item)
    session.add(PlanItemChange(item_id=item.id or 0, by=actor, before={k: before[k] for k in sorted(changed)},
                               after={k: after[k] for k in sorted(changed)}))
    session.flush()
    audit.record(session, actor=actor, action="plan_item.update", object_type="plan_item",
                 object_id=item_key(session, item), before={k: before[k] for k in sorted(changed)},
                 after={k: after[k] for k in sorted(changed)})
    return item
