"""Saving a practice from the portal or the API: the domain's checks, then its passages embedded, one transaction."""

from __future__ import annotations

from sqlmodel import Session

from index.search import SearchService
from kb.curation import save_practice
from kb.models import Practice
from kb.practices import Outcome
from kb.records import PracticeRecord


def save_and_index(session: Session, search: SearchService, *, record: PracticeRecord, actor: str, via: str
                   ) -> tuple[Outcome, Practice]:
    """Save a practice and embed its changed passages in the caller's transaction."""
    outcome, practice = save_practice(session, record=record, vocabularies=search.vocabularies, actor=actor, via=via)
    if outcome != Outcome.unchanged:
        search.writer.sync(session, [practice])
    return outcome, practice
