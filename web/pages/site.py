"""The site's own pages: what the knowledge base is, help on describing a problem, the glossary, accessibility."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from web.rendering import PageDep

router = APIRouter(tags=["pages"])

FAVICON = Path(__file__).resolve().parents[1] / "static" / "favicon.svg"


@router.get("/about", response_class=HTMLResponse, include_in_schema=False)
def about_page(page: PageDep) -> HTMLResponse:
    """Say what the knowledge base is and who sees what, in plain words."""
    return page.render("about.html")


@router.get("/help", response_class=HTMLResponse, include_in_schema=False)
def help_page(page: PageDep) -> HTMLResponse:
    """Explain how to describe a problem so the search finds what others did about it."""
    return page.render("help.html")


@router.get("/glossary", response_class=HTMLResponse, include_in_schema=False)
def glossary_page(page: PageDep) -> HTMLResponse:
    """List every term of the vocabularies the practices are tagged with, from the vocabulary files."""
    return page.render("glossary.html", {"glossary": list(page.vocabularies.values())})


@router.get("/accessibility", response_class=HTMLResponse, include_in_schema=False)
def accessibility_page(page: PageDep) -> HTMLResponse:
    """State how accessible the portal is, what is checked and how to report a barrier."""
    return page.render("accessibility.html")


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    """Answer browsers that ask for the icon at the conventional address."""
    return FileResponse(FAVICON, media_type="image/svg+xml")
