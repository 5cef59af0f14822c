"""The FastAPI application factory: portal pages and the JSON API under /api/v1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from index.embedder import Embedder, prepare_process
from kb.config import Settings, get_settings
from kb.db import make_engine
from web.api import api_router
from web.docs import router as docs_router
from web.errors import add_error_handlers
from web.feeds import router as feeds_router
from web.login_limit import LoginLimiter
from web.pages import pages_router
from web.security import SecurityHeadersMiddleware

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, *, embedder: Embedder | None = None) -> FastAPI:
    """Build the app for one database; the search index loads (or rebuilds) at start-up.

    Refuses to build without a real session key (kb.config.Settings.session_key), outside demo mode.
    """
    settings = settings or get_settings()
    session_key = settings.session_key()
    prepare_process()
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
    # The signed cookie holds only the CSRF token and the server-side session's random id (kb.accounts).
    app.add_middleware(SessionMiddleware, secret_key=session_key, session_cookie="kb_session",
                       max_age=settings.session_max_age, same_site="lax", https_only=settings.secure_cookies)
    app.add_middleware(SecurityHeadersMiddleware)
    add_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_router)
    app.include_router(docs_router)
    app.include_router(feeds_router)
    app.include_router(pages_router)
    return app
