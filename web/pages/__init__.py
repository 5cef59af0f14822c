"""The portal's HTML pages, one router module per part of the portal."""

from fastapi import APIRouter

from web.pages import (
    account,
    admin,
    alerts,
    auth,
    browse,
    bulk,
    curation,
    focal,
    plans,
    practice,
    providers,
    search,
    site,
    statistics,
)

pages_router = APIRouter()
for module in (search, browse, practice, auth, bulk, focal, curation, admin, account, plans, statistics, alerts, site,
               providers):
    pages_router.include_router(module.router)
