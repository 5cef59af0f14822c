"""What the API and the pages show of a practice; the host state is hidden here, once, when it must be."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel

from kb.models import Practice


class PracticeSummaryPublic(BaseModel):
    """A practice as a search result."""

    id: str
    title: str
    summary: str
    kind: str
    domain: list[str]
    sector: list[str]
    topic: list[str]
    host_state: str | None
    source_type: str
    source_year: int
    score: float
    passage: str = ""


class AuthorisationPublic(BaseModel):
    scope: str
    networks: list[str]
    attribution: str
    granted_by: str
    granted_at: datetime
    withdrawn_at: datetime | None
    superseded_at: datetime | None
    note: str


class PracticePublic(BaseModel):
    """A whole practice, as the viewer may see it."""

    id: str
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
    updated_at: datetime
    authorisations: list[AuthorisationPublic] | None = None


class SearchResponse(BaseModel):
    total: int
    results: list[PracticeSummaryPublic]
    facets: dict[str, dict[str, int]]
    limit: int
    offset: int


def redact_host(text: str, host_name: str | None, host_code: str | None = None) -> str:
    """Replace an anonymised host's name (and words built on it, and its code) in free text about it."""
    if not text or not host_name:
        return text
    text = re.sub(rf"\b{re.escape(host_name)}\w*", "[host state]", text, flags=re.IGNORECASE)
    if host_code:
        text = re.sub(rf"\b{re.escape(host_code)}\b", "[host state]", text)
    return text


def shown_host(practice: Practice, host_shown: bool) -> str | None:
    """Return the host state the viewer may see: the code, or None when anonymised for them."""
    return practice.host_state_code if host_shown else None


def _redactor(practice: Practice, host_shown: bool, host_name: str | None):  # type: ignore[no-untyped-def]
    if host_shown:
        return lambda text: text
    return lambda text: redact_host(text, host_name or practice.host_state_code, practice.host_state_code)


def practice_public(
    practice: Practice,
    tags: dict[str, list[str]],
    *,
    host_shown: bool,
    host_name: str | None = None,
    authorisations: list[AuthorisationPublic] | None = None,
) -> PracticePublic:
    """Build the viewer's view of a whole practice; an anonymised host is named nowhere in it."""
    clean = _redactor(practice, host_shown, host_name)
    return PracticePublic(
        id=practice.external_id, kind=practice.kind, title=clean(practice.title), summary=clean(practice.summary),
        body=clean(practice.body), domain=tags.get("domain", []), sector=tags.get("sector", []),
        topic=tags.get("topic", []), host_state=shown_host(practice, host_shown),
        source_type=practice.source_type, source_year=practice.source_year,
        source_reference=clean(practice.source_reference), language=practice.language,
        references=[clean(r) for r in practice.references], status=practice.status,
        updated_at=practice.updated_at, authorisations=authorisations if host_shown else None,
    )


def practice_summary(
    practice: Practice, tags: dict[str, list[str]], *, host_shown: bool, host_name: str | None = None, score: float,
    passage: str = "",
) -> PracticeSummaryPublic:
    """Build the viewer's view of a practice as a search result; an anonymised host is named nowhere in it."""
    clean = _redactor(practice, host_shown, host_name)
    return PracticeSummaryPublic(
        id=practice.external_id, title=clean(practice.title), summary=clean(practice.summary), kind=practice.kind,
        domain=tags.get("domain", []), sector=tags.get("sector", []), topic=tags.get("topic", []),
        host_state=shown_host(practice, host_shown), source_type=practice.source_type,
        source_year=practice.source_year, score=round(score, 6), passage=clean(passage),
    )
