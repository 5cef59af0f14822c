"""Read one practice."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from kb.models import State
from kb.practices import authorisation_history, network_codes_of, tags_of
from kb.queries import find_visible
from kb.schemas import AuthorisationPublic, PracticePublic, practice_public
from kb.viewer import Viewer
from web.deps import SessionDep, ViewerDep

router = APIRouter(prefix="/practices", tags=["practices"])

NOT_FOUND = "practice not found"


def _may_see_authorisations(viewer: Viewer, host_state: str) -> bool:
    return viewer.is_secretariat or viewer.state_code == host_state


@router.get("/{practice_id}", response_model=PracticePublic, responses={404: {"description": NOT_FOUND}})
def read_practice(practice_id: str, session: SessionDep, viewer: ViewerDep) -> PracticePublic:
    """Return a practice the caller may see; anything else is 'not found', never 'forbidden'."""
    found = find_visible(session, viewer, external_id=practice_id)
    if found is None:
        raise HTTPException(status_code=404, detail=NOT_FOUND)
    practice, host_shown = found
    authorisations = None
    if _may_see_authorisations(viewer, practice.host_state_code):
        authorisations = [
            AuthorisationPublic(
                scope=a.scope, networks=network_codes_of(session, a.id or 0), attribution=a.attribution,
                granted_by=a.granted_by, granted_at=a.granted_at, withdrawn_at=a.withdrawn_at,
                superseded_at=a.superseded_at, note=a.note,
            )
            for a in authorisation_history(session, practice.id or 0)
        ]
    state = session.get(State, practice.host_state_code)
    return practice_public(practice, tags_of(session, practice.id or 0), host_shown=host_shown,
                           host_name=state.name if state else None, authorisations=authorisations)
