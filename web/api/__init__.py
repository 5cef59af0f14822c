"""The JSON API under /api/v1, one router module per resource."""

from fastapi import APIRouter

from web.api import alerts, audit, authorisations, curation, networks, practices, search, topics, users

api_router = APIRouter(prefix="/api/v1")
for module in (search, topics, practices, authorisations, curation, networks, users, audit, alerts):
    api_router.include_router(module.router)
