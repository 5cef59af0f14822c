"""Search practices by describing a problem."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from index.search import SearchService
from kb.errors import InvalidInput
from kb.models import Kind
from kb.queries import Filters, Sort, filter_problems
from kb.schemas import SearchResponse
from kb.viewer import viewer_for
from web.deps import SearchDep, get_current_user, request_session, requester_of
from web.searching import search_response

router = APIRouter(tags=["search"])


async def search_filters(
    search: SearchDep,
    domain: Annotated[list[str], Query()] = [],
    sector: Annotated[list[str], Query()] = [],
    topic: Annotated[list[str], Query()] = [],
    kind: Annotated[list[Kind], Query()] = [],
    host_state: Annotated[list[str], Query(max_length=2)] = [],
    year_from: Annotated[int | None, Query(ge=1950, le=2100)] = None,
    year_to: Annotated[int | None, Query(ge=1950, le=2100)] = None,
) -> Filters:
    """Read the search's filters from the query string; an unknown value is a 422 naming what is allowed."""
    filters = Filters(
        domain=tuple(domain), sector=tuple(sector), topic=tuple(topic), kind=tuple(k.value for k in kind),
        host_state=tuple(h.upper() for h in host_state), year_from=year_from, year_to=year_to,
    )
    problems = filter_problems(filters, search.vocabularies)
    if problems:
        raise InvalidInput(problems)
    return filters


FiltersDep = Annotated[Filters, Depends(search_filters)]
QueryText = Annotated[str, Query(max_length=1000, description="The problem, in plain words")]
SortOrder = Annotated[Sort, Query(description="relevance, or by source year: newest or oldest first")]


@router.get("/search", response_model=SearchResponse)
async def search_practices(
    request: Request,
    search: SearchDep,
    filters: FiltersDep,
    q: QueryText = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    sort: SortOrder = "relevance",
) -> Response:
    """Return the practices the caller may see that address the problem, best first, with facets."""
    body = await run_in_threadpool(_search_json, request, search, q, filters, limit, offset, sort)
    return Response(body, media_type="application/json")


def _search_json(request: Request, search: SearchService, query: str, filters: Filters, limit: int,
                 offset: int, sort: Sort) -> str:
    """Find who is asking, search and serialise in one worker thread.

    The busiest endpoint: one hand-off to a worker thread instead of one per dependency, and the response
    model serialised once (FastAPI would validate it again first). The viewer is built exactly as
    `web.deps.get_viewer` builds it.
    """
    with request_session(request) as session:
        user = get_current_user(request, session)
        viewer = viewer_for(session, user, requester=requester_of(request, user))
        response = search_response(session, search, viewer, query, filters, limit=limit, offset=offset,
                                   sort=sort)
        return response.model_dump_json()
