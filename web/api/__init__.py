"""The JSON API under /api/v1, one router module per resource."""

from fastapi import APIRouter

from web.api import audit, authorisations, curation, missions, networks, plans, practices, search, topics, users

api_router = APIRouter(prefix="/api/v1")
for module in (search, topics, practices, authorisations, curation, networks, users, audit, missions, plans):
    api_router.include_router(module.router)
