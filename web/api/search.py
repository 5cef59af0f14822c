"""Search practices by describing a problem."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from index.results import search_response
from kb.models import Kind
from kb.queries import Filters, filter_problems
from kb.schemas import SearchResponse
from web.deps import SearchDep, SessionDep, ViewerDep

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchResponse)
def search_practices(
    session: SessionDep,
    viewer: ViewerDep,
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
) -> SearchResponse:
    """Return the practices the caller may see that address the problem, best first, with facets."""
    filters = Filters(
        domain=tuple(domain), sector=tuple(sector), topic=tuple(topic), kind=tuple(k.value for k in kind),
        host_state=tuple(h.upper() for h in host_state), year_from=year_from, year_to=year_to,
    )
    problems = filter_problems(filters, search.vocabularies)
    if problems:
        raise RequestValidationError(
            [{"loc": ("query", field), "msg": message, "type": "value_error", "input": value}
             for field, value, message in problems]
        )
    return search_response(session, search, viewer, q, filters, limit=limit, offset=offset)
