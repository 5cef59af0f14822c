"""Export the current search's results and single practices as CSV and JSON, exactly as the caller sees them."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from kb.projection import practice_view
from kb.queries import NOT_FOUND
from kb.schemas import PracticePublic, PracticeSummaryPublic, SearchResponse
from web.api.search import FiltersDep, QueryText, SortOrder
from web.deps import SearchDep, SessionDep, ViewerDep
from web.exports import to_csv
from web.searching import search_response

router = APIRouter(tags=["exports"])

EXPORT_LIMIT = 1000
SUMMARY_FIELDS = tuple(PracticeSummaryPublic.model_fields)
PRACTICE_FIELDS = tuple(PracticePublic.model_fields)
CSV = "text/csv; charset=utf-8"


def _attachment(body: str, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _matches(session: SessionDep, viewer: ViewerDep, search: SearchDep, filters: FiltersDep, q: str,
             sort: SortOrder) -> SearchResponse:
    return search_response(session, search, viewer, q.strip(), filters, limit=EXPORT_LIMIT, offset=0, sort=sort,
                           with_facets=False)


@router.get("/search.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_search_csv(session: SessionDep, viewer: ViewerDep, search: SearchDep, filters: FiltersDep,
                      q: QueryText = "", sort: SortOrder = "relevance") -> Response:
    """Return every match of a search (up to 1,000) as CSV, with the fields and redactions the caller sees."""
    found = _matches(session, viewer, search, filters, q, sort)
    return _attachment(to_csv(found.results, SUMMARY_FIELDS), CSV, "practices.csv")


@router.get("/search.json", response_model=SearchResponse)
def export_search_json(session: SessionDep, viewer: ViewerDep, search: SearchDep, filters: FiltersDep,
                       q: QueryText = "", sort: SortOrder = "relevance") -> Response:
    """Return every match of a search (up to 1,000) as JSON, as the search API returns a page of them."""
    found = _matches(session, viewer, search, filters, q, sort)
    return _attachment(found.model_dump_json(), "application/json", "practices.json")


@router.get("/practices/{practice_id}.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}, 404: {"description": NOT_FOUND}})
def export_practice_csv(practice_id: str, session: SessionDep, viewer: ViewerDep, search: SearchDep) -> Response:
    """Return one practice the caller may see as a one-row CSV (decisions by their description, for the host)."""
    view = practice_view(session, viewer, search.catalogue.terms, practice_id)
    return _attachment(to_csv([view], PRACTICE_FIELDS), CSV, f"practice-{view.id}.csv")


@router.get("/practices/{practice_id}.json", response_model=PracticePublic, responses={404: {"description": NOT_FOUND}})
def export_practice_json(practice_id: str, session: SessionDep, viewer: ViewerDep, search: SearchDep) -> Response:
    """Return one practice the caller may see as a JSON file, as the practice API returns it."""
    view = practice_view(session, viewer, search.catalogue.terms, practice_id)
    return _attachment(view.model_dump_json(), "application/json", f"practice-{view.id}.json")
