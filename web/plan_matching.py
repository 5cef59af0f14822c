"""Match a plan item to practices: its text searched as the viewer through the product's search service."""

from __future__ import annotations

from sqlmodel import Session

from index.search import SearchService
from kb.models import PlanItem
from kb.plan_schemas import MatchesPublic
from kb.queries import Filters
from kb.viewer import Viewer
from web.searching import search_response

MATCHES = 5


def item_matches(session: Session, search: SearchService, viewer: Viewer, item: PlanItem) -> MatchesPublic:
    """Return the top practices the viewer may see that address the item, with their passages (no total)."""
    found = search_response(session, search, viewer, item.description, Filters(), limit=MATCHES, offset=0)
    return MatchesPublic(item=item.id or 0, results=found.results)
