"""What the API and the pages show of a practice: the response models of the one projection (kb.projection)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class PracticeSummaryPublic(BaseModel):
    """A practice as a search result, as the viewer may see it."""

    id: str = Field(description="Opaque identifier: use it in /practices/{id}")
    reference: str | None = Field(default=None, description="The secretariat's id; only for the host and secretariat")
    title: str
    summary: str
    kind: str
    domain: list[str]
    sector: list[str]
    topic: list[str]
    host_state: str | None = Field(description="ISO code of the host; null when the host shares it anonymously")
    source_type: str
    source_year: int
    updated: date
    score: float
    passage: str = ""


class AuthorisationPublic(BaseModel):
    """One decision of the host on sharing (the host and the secretariat see the history)."""

    decision: str
    scope: str
    networks: list[str]
    attribution: str
    granted_by: str = Field(description="On whose authority")
    granted_at: datetime
    entered_by: str = Field(description="Who recorded it")
    entered_via: str = Field(description="Through what: portal, API, or a file and its line")
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    superseded_at: datetime | None
    in_force: bool
    description: str
    note: str


class PracticePublic(BaseModel):
    """A whole practice, as the viewer may see it."""

    id: str
    reference: str | None = None
    kind: str
    title: str
    summary: str
    body: str
    domain: list[str]
    sector: list[str]
    topic: list[str]
    host_state: str | None
    source_type: str
    source_year: int
    source_reference: str
    language: str
    references: list[str]
    status: str
    updated: date
    decision_version: int | None = Field(default=None, description="Send as based_on with a decision (host only)")
    authorisations: list[AuthorisationPublic] | None = None


class SearchResponse(BaseModel):
    total: int
    results: list[PracticeSummaryPublic]
    facets: dict[str, dict[str, int]]
    limit: int
    offset: int
    suggestions: list[str] = Field(default_factory=list, description="Did you mean … (when little was found)")


class ReplacementPublic(BaseModel):
    """One stretch an outsider will not read: what it was, where, and whose identifying term it matched."""

    start: int
    end: int
    original: str
    state: str


class SuspectPublic(BaseModel):
    """A stretch that looks identifying but is in no list: the host should check it."""

    start: int
    end: int
    text: str
    reason: str


class FieldPreview(BaseModel):
    field: str
    original: str
    outsiders_read: str
    replaced: list[ReplacementPublic]
    looks_identifying: list[SuspectPublic]


class AnonymityPreview(BaseModel):
    """What outsiders will read of an entry shared anonymously, field by field, before the host confirms."""

    id: str
    fields: list[FieldPreview]
    replaced: int
    looks_identifying: int
