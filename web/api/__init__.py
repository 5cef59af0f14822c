"""The JSON API under /api/v1, one router module per resource."""

from fastapi import APIRouter

from web.api import (
    alerts,
    audit,
    authorisations,
    curation,
    exports,
    missions,
    networks,
    plans,
    practices,
    search,
    statistics,
    topics,
    users,
)

api_router = APIRouter(prefix="/api/v1")
for module in (exports, search, topics, practices,  # exports first: /practices/{id}.csv before /practices/{id}
               authorisations, curation, networks, users, audit, statistics, missions, plans, alerts):
    api_router.include_router(module.router)
