"""The home page: describe a problem, get the practices this viewer may see that address it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from web.deps import SearchDep
from web.pages.forms import SearchFormDep
from web.pages.listing import results_context
from web.rendering import PageDep

router = APIRouter(tags=["pages"])

EXAMPLES = (
    "contractors keep propping open the fire door to the source store",
    "staff reluctant to report a colleague's odd behaviour",
    "radioactive source lost during road transport",
    "phishing emails targeting control room operators",
)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def search_page(page: PageDep, search: SearchDep, form: SearchFormDep) -> HTMLResponse:
    """Show the search page, or only its results when htmx asks as the person types."""
    context = results_context(page, search, form, action="/")
    return page.render("search.html", {**context, "examples": EXAMPLES}, partial="_results.html")
