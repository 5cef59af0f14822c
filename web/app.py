"""The FastAPI application factory: portal pages and the JSON API under /api/v1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from index.embedder import Embedder
from kb.config import Settings, get_settings
from kb.db import make_engine
from web.api import api_router


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
    )
    app.state.settings = settings
    app.state.engine = engine
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="kb_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.include_router(api_router)
    return app
