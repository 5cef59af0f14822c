"""Turn search hits into the API's response shape (shared by the API, the pages and the CLI)."""

from __future__ import annotations

from sqlmodel import Session, select

from index.search import SearchService
from kb.models import Practice, State
from kb.queries import Filters
from kb.schemas import PracticeSummaryPublic, SearchResponse, practice_summary
from kb.viewer import Viewer


def search_response(
    session: Session,
    service: SearchService,
    viewer: Viewer,
    query: str,
    filters: Filters,
    *,
    limit: int,
    offset: int,
) -> SearchResponse:
    """Search and return the page of results with total and facets, anonymised for the viewer."""
    result = service.search(session, viewer, query, filters, limit=limit, offset=offset)
    ids = [hit.practice_id for hit in result.hits]
    practices = {p.id: p for p in session.exec(select(Practice).where(Practice.id.in_(ids)))} if ids else {}  # type: ignore[union-attr]
    tags = service.catalogue.tags_of(ids)  # as the facets counted them
    names = dict(session.exec(select(State.code, State.name)).all())
    results: list[PracticeSummaryPublic] = []
    for hit in result.hits:
        practice = practices.get(hit.practice_id)
        if practice is None:  # deleted between ranking and reading
            continue
        results.append(practice_summary(practice, tags[hit.practice_id], host_shown=hit.host_shown,
                                        host_name=names.get(practice.host_state_code), score=hit.score,
                                        passage=hit.passage))
    return SearchResponse(total=result.total, results=results, facets=result.facets, limit=limit, offset=offset)
