"""The product's search as alerts use it: every practice matching an alert, for its recipient, best first."""

from __future__ import annotations

from sqlmodel import Session

from index.search import SearchService
from kb.alerts import Finder, Match
from kb.queries import Filters
from kb.viewer import Viewer

MATCHES = 500  # more than any digest announces; the rest wait for the next one


def alert_finder(search: SearchService) -> Finder:
    """Return the finder that ranks within the recipient's audience, with the search page's match floor."""

    def find(session: Session, viewer: Viewer, query: str, filters: Filters) -> list[Match]:
        result = search.search(session, viewer, query, filters, limit=MATCHES, with_facets=False)
        return [Match(practice_id=hit.practice_id, host_shown=hit.host_shown) for hit in result.hits]

    return find
