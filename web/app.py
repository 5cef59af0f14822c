"""The FastAPI application factory: portal pages and the JSON API under /api/v1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from index.embedder import Embedder
from kb.config import Settings, get_settings
from kb.db import make_engine
from kb.viewer import viewer_for
from web.api import api_router
from web.deps import get_current_user
from web.docs import router as docs_router
from web.login_limit import LoginLimiter
from web.pages import pages_router
from web.security import SecurityHeadersMiddleware

STATIC = Path(__file__).resolve().parent / "static"
ERROR_TITLES = {403: "Not allowed", 404: "Not found", 405: "Not allowed", 413: "Too large", 422: "Check the form"}


async def html_error(request: Request, exc: StarletteHTTPException) -> Response:
    """Answer errors on pages with a page (the API keeps its JSON errors)."""
    if request.url.path.startswith(("/api/", "/static/")):
        return await http_exception_handler(request, exc)
    from web.rendering import Page

    with Session(request.app.state.engine) as session:
        user = get_current_user(request, session)
        page = Page(request=request, session=session, viewer=viewer_for(session, user), user=user)
        title = ERROR_TITLES.get(exc.status_code, "Something went wrong")
        return page.render("error.html", {"status": exc.status_code, "title": title, "detail": exc.detail},
                           status_code=exc.status_code)


def create_app(settings: Settings | None = None, *, embedder: Embedder | None = None) -> FastAPI:
    """Build the app for one database; the search index loads (or rebuilds) at start-up."""
    settings = settings or get_settings()
    engine = make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from index.service import open_search

        app.state.search = open_search(settings, engine, embedder)
        yield
        app.state.search.catalogue.save_if_changed()
        engine.dispose()

    app = FastAPI(
        title="Good-practice knowledge base",
        version="1.0",
        description="Permission-aware semantic search over good practices and country practices.",
        lifespan=lifespan,
        docs_url=None,  # served by web/docs.py from /static/vendor/, never from a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.login_limiter = LoginLimiter(settings.login_attempts_per_minute)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="kb_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_exception_handler(StarletteHTTPException, html_error)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_router)
    app.include_router(docs_router)
    app.include_router(pages_router)
    return app
