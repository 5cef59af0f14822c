"""What the API and pages show of missions, findings and plans (response models), built by kb.plan_views."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from kb.schemas import PracticePublic, PracticeSummaryPublic


class FindingPublic(BaseModel):
    number: str
    kind: str
    text: str
    domain: list[str]
    sector: list[str]
    topic: list[str]
    functional_area: str | None
    practice: str | None = Field(default=None, description="Opaque id of the practice entry made from it")
    note: str | None = Field(default=None, description="The secretariat's note; only for the secretariat")


class MissionPublic(BaseModel):
    """A mission, for its host state and the secretariat only."""

    id: str
    host_state: str
    type: str
    title: str
    start_date: date
    end_date: date
    reference: str
    status: str
    scope: list[str]
    follows: str | None
    summary: str
    findings: list[FindingPublic] = Field(default_factory=list)


class MarkPublic(BaseModel):
    mark: str
    practice: PracticePublic


class PlanItemPublic(BaseModel):
    """A plan item as the viewer may see it: a share's recipient learns only that it comes from a finding."""

    id: int
    functional_area: str
    description: str
    priority: str
    responsible: str
    due: date | None
    overdue: bool
    status: str
    status_source: str
    assistance_requested: bool
    assistance_from: str
    notes: str
    from_finding: bool
    finding: str | None = Field(default=None, description="MISSION-ID/NUMBER; only for the state and the secretariat")
    carried_from: int | None = None
    marks: list[MarkPublic] = Field(default_factory=list)


class PlanVersionPublic(BaseModel):
    version: int
    title: str
    started: date
    items: list[PlanItemPublic]


class PlanSharePublic(BaseModel):
    networks: list[str]
    providers: list[str]
    items: list[int] | None = Field(description="The chosen items; null for the whole plan")
    granted_by: str
    granted_at: datetime
    withdrawn_at: datetime | None
    in_force: bool
    description: str


class PlanPublic(BaseModel):
    """A state's plan: the chosen version with its items; sharing and decision version for its state only."""

    state: str
    versions: list[int]
    version: PlanVersionPublic
    read_only: bool
    decision_version: int | None = None
    shares: list[PlanSharePublic] | None = None


class ItemChangePublic(BaseModel):
    at: datetime
    by: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class MatchesPublic(BaseModel):
    """The practices that address an item, searched as the viewer: top five with their passages."""

    item: int
    results: list[PracticeSummaryPublic]


class NeedsCell(BaseModel):
    functional_area: str
    topic: str | None
    states: int = Field(description="How many states have an open need here")
    items: int | None = Field(default=None, description="Open items; only for the secretariat")
    state_codes: list[str] | None = Field(default=None, description="Which states; only for the secretariat")
