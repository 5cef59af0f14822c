"""Missions and their findings: write them from records idempotently, read them as a viewer may see them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from kb import audit
from kb.errors import NotFound
from kb.mission_records import FindingRecord, MissionNames, MissionRecord
from kb.models import Finding, FindingKind, Mission, Practice, State, utcnow
from kb.practices import Outcome
from kb.viewer import Viewer
from kb.visibility import findings_visible_to, missions_visible_to
from kb.vocabulary import Vocabulary


def mission_names(session: Session, vocabularies: dict[str, Vocabulary]) -> MissionNames:
    """Return what a mission record may refer to, as the database holds it now."""
    linked = session.exec(
        select(Practice.external_id, Mission.external_id, Finding.number)
        .join(Finding, col(Finding.practice_id) == col(Practice.id))
        .join(Mission, col(Mission.id) == col(Finding.mission_id))
    ).all()
    return MissionNames(
        vocabularies=vocabularies,
        states=frozenset(session.exec(select(State.code)).all()),
        missions={m: (h, s) for m, h, s in session.exec(
            select(col(Mission.external_id), col(Mission.host_state_code), col(Mission.start_date))).all()},
        practices=dict(session.exec(select(Practice.external_id, Practice.host_state_code)).all()),
        practice_findings={p: f"{m}/{n}" for p, m, n in linked},
    )


def _plain(value: object) -> object:
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def mission_snapshot(session: Session, mission: Mission) -> dict[str, object]:
    """Return the audit view of a mission: its fields and its findings."""
    data = {name: _plain(getattr(mission, name)) for name in Mission.model_fields
            if name not in ("created_at", "updated_at")}
    data["findings"] = [
        {name: _plain(getattr(f, name)) for name in Finding.model_fields if name not in ("id", "mission_id")}
        for f in findings_of(session, mission)
    ]
    return data


def findings_of(session: Session, mission: Mission) -> list[Finding]:
    """Return a mission's findings in report order (no visibility check: the caller has one)."""
    return list(session.exec(select(Finding).where(Finding.mission_id == mission.id).order_by(col(Finding.position))))


def _finding_values(finding: FindingRecord, position: int, practice_ids: dict[str, int | None]) -> dict[str, object]:
    return {
        "position": position, "kind": finding.kind, "text": finding.text, "domain": finding.domain,
        "sector": finding.sector, "topic": finding.topic, "functional_area": finding.functional_area,
        "practice_id": practice_ids.get(finding.practice) if finding.practice else None, "note": finding.note,
    }


def upsert_mission(session: Session, *, record: MissionRecord, actor: str, origin: str) -> tuple[Outcome, Mission]:
    """Insert or update a mission and its findings (matched by number) from a checked record; audit the change."""
    mission = session.exec(select(Mission).where(Mission.external_id == record.id)).first()
    follows = (session.exec(select(Mission.id).where(Mission.external_id == record.follows)).first()
               if record.follows else None)
    values: dict[str, object] = {
        "host_state_code": record.host_state, "type": record.type, "title": record.title,
        "start_date": record.start_date, "end_date": record.end_date, "reference": record.reference,
        "status": record.status, "scope": record.scope, "follows_id": follows, "summary": record.summary,
    }
    before = mission_snapshot(session, mission) if mission is not None else None
    if mission is None:
        mission = Mission(external_id=record.id, **values)  # type: ignore[arg-type]
        session.add(mission)
        session.flush()
    else:
        for name, value in values.items():
            setattr(mission, name, value)
    _write_findings(session, mission, record.findings)
    after = mission_snapshot(session, mission)
    if before == after:
        return Outcome.unchanged, mission
    mission.updated_at = utcnow()
    session.add(mission)
    session.flush()
    audit.record(session, actor=actor, action="mission.add" if before is None else "mission.update",
                 object_type="mission", object_id=record.id, before=before, after=after | {"origin": origin})
    return (Outcome.added if before is None else Outcome.updated), mission


def _write_findings(session: Session, mission: Mission, records: Sequence[FindingRecord]) -> None:
    existing = {f.number: f for f in findings_of(session, mission)}
    wanted = [f.practice for f in records if f.practice]
    practice_ids = dict(session.exec(select(Practice.external_id, Practice.id)
                                     .where(col(Practice.external_id).in_(wanted))).all()) if wanted else {}
    for gone in set(existing) - {f.number for f in records}:
        session.delete(existing[gone])
    session.flush()  # free a practice link before another finding takes it
    for position, record in enumerate(records, start=1):
        finding = existing.get(record.number) or Finding(mission_id=mission.id or 0, number=record.number,
                                                         kind=record.kind, text=record.text)
        for name, value in _finding_values(record, position, practice_ids).items():
            setattr(finding, name, value)
        session.add(finding)
    session.flush()


# -- reading as a viewer --------------------------------------------------------------------------------------


def missions_for(session: Session, viewer: Viewer) -> list[Mission]:
    """Return the missions the viewer may see, newest first."""
    return list(session.exec(select(Mission).where(missions_visible_to(viewer))
                             .order_by(col(Mission.start_date).desc(), col(Mission.external_id))))


def mission_for(session: Session, viewer: Viewer, external_id: str) -> Mission:
    """Return one mission the viewer may see; a hidden one is exactly as missing as an unknown one."""
    mission = session.exec(select(Mission).where(Mission.external_id == external_id,
                                                 missions_visible_to(viewer))).first()
    if mission is None:
        raise NotFound(f"no mission {external_id!r}")
    return mission


def visible_findings(session: Session, viewer: Viewer, mission: Mission) -> list[Finding]:
    """Return the findings of a mission that the viewer may see, in report order."""
    return list(session.exec(select(Finding).where(Finding.mission_id == mission.id, findings_visible_to(viewer))
                             .order_by(col(Finding.position))))


def finding_for(session: Session, viewer: Viewer, reference: str) -> Finding:
    """Return the finding named 'MISSION-ID/NUMBER' if the viewer may see it."""
    mission_id, _, number = reference.partition("/")
    finding = session.exec(
        select(Finding).join(Mission, col(Mission.id) == col(Finding.mission_id))
        .where(Mission.external_id == mission_id, Finding.number == number, findings_visible_to(viewer))
    ).first()
    if finding is None:
        raise NotFound(f"no finding {reference!r}")
    return finding


def is_need(finding: Finding) -> bool:
    """Tell whether a finding is one of the host's needs (a recommendation or suggestion)."""
    return finding.kind in (FindingKind.recommendation, FindingKind.suggestion)
