"""Administration of assistance providers: create an organisation and attach provider users to it."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from kb.accounts import user_by_name
from kb.errors import NotFound
from kb.models import Provider, ProviderUser, Role, User
from kb.plan_shares import admit_to_provider, upsert_provider
from web.csrf import require_csrf
from web.guards import AdminPage
from web.rendering import Page

router = APIRouter(prefix="/secretariat", tags=["pages"])
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


def _providers_page(page: Page, errors: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    providers = list(page.session.exec(select(Provider).order_by(Provider.code)))
    people = {p.id: list(page.session.exec(select(User.username).join(
        ProviderUser, col(ProviderUser.user_id) == col(User.id)).where(ProviderUser.provider_id == p.id)
        .order_by(User.username))) for p in providers}
    candidates = list(page.session.exec(select(User.username).where(User.role == Role.provider, col(User.is_active))
                                        .order_by(User.username)))
    return page.render("providers.html", {"providers": providers, "people": people, "candidates": candidates,
                                          "errors": errors or {}}, status_code=status_code)


@router.get("/providers", response_class=HTMLResponse, include_in_schema=False)
def providers_page(page: AdminPage) -> Response:
    """List the assistance providers and their users, with forms to add either."""
    return _providers_page(page)


@router.post("/providers", include_in_schema=False, dependencies=[Depends(require_csrf)])
def add_provider(page: AdminPage, code: Annotated[str, Form(max_length=64)] = "",
                 name: Annotated[str, Form(max_length=400)] = "") -> Response:
    """Create (or rename) an assistance-provider organisation."""
    code, name = code.strip().upper(), name.strip()
    errors = {}
    if not CODE.match(code):
        errors["code"] = f"{code!r} is not a code: 1 to 32 capital letters, digits, '_' or '-', e.g. NSAP"
    if not name or len(name) > 200:
        errors["name"] = "give the organisation's name, at most 200 characters"
    if errors:
        return _providers_page(page, errors, 422)
    upsert_provider(page.session, code=code, name=name, actor=page.viewer.username or "")
    page.session.commit()
    return RedirectResponse(f"/secretariat/providers#p-{code}", status_code=303)


@router.post("/providers/{code}/people", include_in_schema=False, dependencies=[Depends(require_csrf)])
def attach_provider_user(code: str, page: AdminPage, username: Annotated[str, Form(max_length=64)]) -> Response:
    """Attach a user with the provider role to the organisation; they then see the plans shared with it."""
    provider = page.session.exec(select(Provider).where(Provider.code == code)).first()
    if provider is None:
        raise NotFound("no such assistance provider")
    user = user_by_name(page.session, username)
    if user is None:
        return _providers_page(page, {"username": f"no user {username!r}; create the user first"}, 422)
    if user.role != Role.provider:
        return _providers_page(page, {"username": f"{username!r} has role {user.role}; only a user with the "
                                                  "provider role can work for an assistance provider"}, 422)
    admit_to_provider(page.session, user=user, provider=provider, actor=page.viewer.username or "")
    page.session.commit()
    return RedirectResponse(f"/secretariat/providers#p-{code}", status_code=303)
