"""Search practices by describing a problem."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from index.search import SearchService
from kb.errors import InvalidInput
from kb.models import Kind
from kb.queries import Filters, filter_problems
from kb.schemas import SearchResponse
from kb.viewer import viewer_for
from web.deps import SearchDep, get_current_user, request_session, requester_of
from web.searching import search_response

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResponse)
async def search_practices(
    request: Request,
    search: SearchDep,
    q: Annotated[str, Query(max_length=1000, description="The problem, in plain words")] = "",
    domain: Annotated[list[str], Query()] = [],
    sector: Annotated[list[str], Query()] = [],
    topic: Annotated[list[str], Query()] = [],
    kind: Annotated[list[Kind], Query()] = [],
    host_state: Annotated[list[str], Query(max_length=2)] = [],
    year_from: Annotated[int | None, Query(ge=1950, le=2100)] = None,
    year_to: Annotated[int | None, Query(ge=1950, le=2100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    """Return the practices the caller may see that address the problem, best first, with facets."""
    filters = Filters(
        domain=tuple(domain), sector=tuple(sector), topic=tuple(topic), kind=tuple(k.value for k in kind),
        host_state=tuple(h.upper() for h in host_state), year_from=year_from, year_to=year_to,
    )
    problems = filter_problems(filters, search.vocabularies)
    if problems:
        raise InvalidInput(problems)
    body = await run_in_threadpool(_search_json, request, search, q, filters, limit, offset)
    return Response(body, media_type="application/json")


def _search_json(request: Request, search: SearchService, query: str, filters: Filters, limit: int,
                 offset: int) -> str:
    """Find who is asking, search and serialise in one worker thread.

    The busiest endpoint: one hand-off to a worker thread instead of one per dependency, and the response
    model serialised once (FastAPI would validate it again first). The viewer is built exactly as
    `web.deps.get_viewer` builds it.
    """
    with request_session(request) as session:
        user = get_current_user(request, session)
        viewer = viewer_for(session, user, requester=requester_of(request, user))
        response = search_response(session, search, viewer, query, filters, limit=limit, offset=offset)
        return response.model_dump_json()
