"""The JSON API under /api/v1, one router module per resource."""

from fastapi import APIRouter

from web.api import practices, search

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(search.router)
api_router.include_router(practices.router)
