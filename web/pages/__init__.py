"""The portal's HTML pages, one router module per part of the portal."""

from fastapi import APIRouter

from web.pages import admin, auth, browse, curation, focal, plans, practice, search

pages_router = APIRouter()
for module in (search, browse, practice, auth, focal, curation, admin, plans):
    pages_router.include_router(module.router)
