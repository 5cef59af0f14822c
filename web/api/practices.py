"""Read one practice, and what outsiders will read of it when shared anonymously."""

from __future__ import annotations

from fastapi import APIRouter

from kb.projection import anonymity_preview, practice_view
from kb.queries import NOT_FOUND, hosted_practice
from kb.schemas import AnonymityPreview, PracticePublic
from web.deps import SearchDep, SessionDep, ViewerDep

router = APIRouter(prefix="/practices", tags=["practices"])


@router.get("/{practice_id}", response_model=PracticePublic, responses={404: {"description": NOT_FOUND}})
def read_practice(practice_id: str, session: SessionDep, viewer: ViewerDep, search: SearchDep) -> PracticePublic:
    """Return a practice the caller may see (by its id, or by its reference for the host and the secretariat);
    anything else is 'not found', never 'forbidden'."""
    return practice_view(session, viewer, search.catalogue.terms, practice_id)


@router.get("/{practice_id}/outsiders-view", response_model=AnonymityPreview,
            responses={404: {"description": NOT_FOUND}})
def preview_anonymity(practice_id: str, session: SessionDep, viewer: ViewerDep, search: SearchDep
                      ) -> AnonymityPreview:
    """Return what outsiders will read of one of the caller's state's practices if it is shared anonymously:
    what is replaced, field by field, and what looks identifying but is in no list (the host's check)."""
    practice = hosted_practice(session, viewer, practice_id)
    return anonymity_preview(practice, search.catalogue.terms)
