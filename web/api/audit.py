"""The audit log, read-only: there is no path that changes or deletes an audit event."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from kb.audit import AuditQuery, find_events
from kb.errors import InvalidInput
from web.api.access import SecretariatDep
from web.deps import SessionDep

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEventPublic(BaseModel):
    """Who did what to which object, when, with the object before and after."""

    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("", response_model=list[AuditEventPublic],
            responses={401: {"description": "not signed in"}, 403: {"description": "not the secretariat"}})
def list_audit_events(
    session: SessionDep,
    viewer: SecretariatDep,
    actor: Annotated[str, Query(max_length=64, description="Exactly this person")] = "",
    object_type: Annotated[str, Query(max_length=32, description="practice, user, network, state …")] = "",
    object_id: Annotated[str, Query(max_length=80, description="Objects whose id contains this")] = "",
    since: Annotated[date | None, Query(description="From this day (inclusive)")] = None,
    until: Annotated[date | None, Query(description="Up to this day (inclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditEventPublic]:
    """Return the audit events that match, newest first."""
    if since is not None and until is not None and since > until:
        raise InvalidInput(f"since ({since}) is after until ({until})", field="since", value=str(since))
    query = AuditQuery(actor=actor, object_type=object_type, object_id=object_id, since=since, until=until)
    return [AuditEventPublic.model_validate(e, from_attributes=True)
            for e in find_events(session, query, limit=limit, offset=offset)]
