"""Search and show: rank for the viewer (index.search), then render the one projection (kb.projection)."""

from __future__ import annotations

from sqlmodel import Session

from index.search import SearchService
from index.snippets import SNIPPETS, Reading
from index.spelling import SUGGEST_BELOW
from kb.projection import Projection
from kb.queries import Filters, Sort
from kb.schemas import SearchResponse
from kb.viewer import Viewer


def search_response(session: Session, search: SearchService, viewer: Viewer, query: str, filters: Filters, *,
                    limit: int, offset: int, sort: Sort = "relevance", with_facets: bool = True,
                    reading: Reading | None = None) -> SearchResponse:
    """Search and return the page of results with total, facets and snippets, as the viewer may see them.

    `reading` is the description as read for snippets, when the caller marks the same page with it.
    """
    result = search.search(session, viewer, query, filters, limit=limit, offset=offset, sort=sort,
                           with_facets=with_facets)
    projection = Projection(viewer, search.catalogue.terms)
    snippet = (reading or SNIPPETS.reading(query)).choose if query.strip() else None  # read once a page
    suggestion = search.suggest(session, viewer, query) if query.strip() and result.total < SUGGEST_BELOW else None
    return projection.search_response(session, result, search.catalogue.tags_of, limit=limit, offset=offset,
                                      snippet=snippet, suggestions=[suggestion] if suggestion else [])
