"""Build what a viewer is shown of missions and plans: one projection for the API, the pages and the CSV."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, col, func, select

from kb.disclosure import Disclosure, Fact, Rule, Split
from kb.identifying import IdentifyingTerms
from kb.missions import visible_findings
from kb.models import OPEN_ITEM_STATUSES, Finding, Mission, Plan, PlanItem, PlanVersion, Practice, utcnow
from kb.plan_marks import marks_for
from kb.plan_schemas import (
    FindingPublic,
    MarkPublic,
    MissionPublic,
    NeedsCell,
    PlanItemPublic,
    PlanPublic,
    PlanSharePublic,
    PlanVersionPublic,
)
from kb.plan_shares import share_history
from kb.plans import finding_reference, items_for, version_of, versions_of
from kb.projection import practice_view
from kb.viewer import Viewer
from kb.visibility import finding_note_shown_to, plan_edited_by, plan_items_visible_to, plan_shown_whole_to


def mission_public(session: Session, viewer: Viewer, mission: Mission, *, with_findings: bool = True) -> MissionPublic:
    """Return a mission the viewer may see (the caller found it through kb.missions), with its findings."""
    follows = session.get(Mission, mission.follows_id) if mission.follows_id else None
    findings = visible_findings(session, viewer, mission) if with_findings else []
    practice_ids = {p.id: p.public_id for p in session.exec(select(Practice).where(
        col(Practice.id).in_([f.practice_id for f in findings if f.practice_id])))}
    return MissionPublic(
        id=mission.external_id, host_state=mission.host_state_code, type=mission.type, title=mission.title,
        start_date=mission.start_date, end_date=mission.end_date, reference=mission.reference,
        status=str(mission.status), scope=list(mission.scope), follows=follows.external_id if follows else None,
        summary=mission.summary, findings=[_finding(viewer, f, practice_ids) for f in findings],
    )


def _finding(viewer: Viewer, finding: Finding, practice_ids: dict[int | None, str]) -> FindingPublic:
    return FindingPublic(
        number=finding.number, kind=str(finding.kind), text=finding.text, domain=list(finding.domain),
        sector=list(finding.sector), topic=list(finding.topic), functional_area=finding.functional_area,
        practice=practice_ids.get(finding.practice_id) if finding.practice_id else None,
        note=finding.note if finding_note_shown_to(viewer) else None,
    )


def is_overdue(item: PlanItem, today: date | None = None) -> bool:
    """Tell whether an open or in-progress item's due date has passed."""
    return item.due is not None and item.status in OPEN_ITEM_STATUSES and item.due < (today or utcnow().date())


def item_public(session: Session, viewer: Viewer, terms: IdentifyingTerms, item: PlanItem, *,
                whole: bool) -> PlanItemPublic:
    """Return an item as the viewer may see it; marks only on practices the viewer may see now."""
    return PlanItemPublic(
        id=item.id or 0, functional_area=item.functional_area, description=item.description,
        priority=str(item.priority), responsible=item.responsible, due=item.due, overdue=is_overdue(item),
        status=str(item.status), status_source=str(item.status_source),
        assistance_requested=item.assistance_requested, assistance_from=item.assistance_from, notes=item.notes,
        from_finding=item.finding_id is not None,
        finding=finding_reference(session, item) if whole else None,
        carried_from=item.carried_from_id if whole else None,
        marks=[MarkPublic(mark=str(m.mark), practice=practice_view(session, viewer, terms, m.practice.public_id))
               for m in marks_for(session, viewer, item)],
    )


def plan_public(session: Session, viewer: Viewer, terms: IdentifyingTerms, plan: Plan,
                number: int | None = None) -> PlanPublic:
    """Return a plan the viewer may see (found through kb.plans), at one version (the latest by default)."""
    whole = plan_shown_whole_to(viewer, plan.state_code)
    version = version_of(session, plan, number)
    items = items_for(session, viewer, version)
    shares = None
    if whole:
        shares = [PlanSharePublic(networks=d.networks, providers=d.providers, items=d.items,
                                  granted_by=d.share.granted_by, granted_at=d.share.granted_at,
                                  withdrawn_at=d.share.withdrawn_at, in_force=d.share.in_force,
                                  description=d.describe()) for d in share_history(session, plan)]
    return PlanPublic(
        state=plan.state_code, versions=[v.version for v in versions_of(session, plan)
                                         if whole or _has_visible_items(session, viewer, v)],
        version=PlanVersionPublic(version=version.version, title=version.title, started=version.started,
                                  items=[item_public(session, viewer, terms, i, whole=whole) for i in items]),
        read_only=not plan_edited_by(viewer, plan.state_code),
        decision_version=plan.decision_version if whole else None, shares=shares,
    )


def _has_visible_items(session: Session, viewer: Viewer, version: PlanVersion) -> bool:
    return bool(items_for(session, viewer, version))


def needs_by_area(session: Session, viewer: Viewer, *, rule: Rule) -> list[NeedsCell]:
    """Return the open needs across states by functional area and topic, to coordinate assistance.

    The secretariat sees every cell with items and states; anyone else sees counts of states only (of the items
    they may see), and only the cells kb.disclosure lets through, as statistics do: no state can be singled out.
    """
    newest = dict(session.exec(select(PlanVersion.plan_id, func.max(PlanVersion.version))
                               .group_by(col(PlanVersion.plan_id))).all())
    latest = [v for v in session.exec(select(PlanVersion)) if newest.get(v.plan_id) == v.version]
    rows = session.exec(
        select(Plan.state_code, PlanItem, Finding.topic)
        .join(PlanVersion, col(PlanVersion.plan_id) == col(Plan.id))
        .join(PlanItem, col(PlanItem.version_id) == col(PlanVersion.id))
        .outerjoin(Finding, col(Finding.id) == col(PlanItem.finding_id))
        .where(col(PlanVersion.id).in_([v.id for v in latest]), plan_items_visible_to(viewer),
               col(PlanItem.status).in_([str(s) for s in OPEN_ITEM_STATUSES]))
    ).all()
    cells: dict[tuple[str, str | None], list[tuple[int, str]]] = defaultdict(list)
    for state, item, topics in rows:
        # a finding's topics are confidential; only the secretariat's view is broken down by them
        for topic in (topics or [None]) if viewer.is_secretariat else [None]:
            cells[(item.functional_area, topic)].append((item.id or 0, state))
    disclosure = None if viewer.is_secretariat else Disclosure(
        (Fact(item.id or 0, state, {"functional_area": frozenset({item.functional_area})}) for state, item, _ in rows),
        [Split("functional_area")], rule)
    found = []
    for (area, topic), members in sorted(cells.items(), key=lambda c: (c[0][0], c[0][1] or "")):
        distinct = sorted({state for _, state in members})
        if disclosure is None:
            found.append(NeedsCell(functional_area=area, topic=topic, states=len(distinct), items=len(members),
                                   state_codes=distinct))
        elif disclosure.shown(i for i, _ in members):
            found.append(NeedsCell(functional_area=area, topic=None, states=len(distinct)))
    return found
