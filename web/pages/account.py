"""A person's own account: change their password (forced after a reset), and their API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kb.accounts import change_password, issue_token, revoke_token, start_session, tokens_of
from kb.errors import InvalidInput
from kb.models import User
from kb.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from web.csrf import csrf_token, require_csrf
from web.deps import SESSION_ID, SettingsDep
from web.guards import SignedInPage
from web.rendering import Page

router = APIRouter(prefix="/account", tags=["pages"])
TOKEN_DAYS = {"30": "30 days", "90": "90 days", "365": "a year"}


def _account_page(page: Page, *, status_code: int = 200, errors: dict[str, str] | None = None,
                  notice: str | None = None, new_token: str | None = None) -> HTMLResponse:
    user = _me(page)
    return page.render("account.html", {"tokens": tokens_of(page.session, user), "errors": errors or {},
                                        "notice": notice, "new_token": new_token, "token_days": TOKEN_DAYS,
                                        "must_change": user.must_change_password,
                                        "min_password_length": MIN_PASSWORD_LENGTH}, status_code=status_code)


def _me(page: Page) -> User:
    assert page.user is not None  # a signed-in page
    return page.user


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def account_page(page: SignedInPage, changed: bool = False) -> Response:
    """Show the password form and the person's API tokens."""
    return _account_page(page, notice="Your password is changed. Your other sessions were ended." if changed else None)


@router.post("/password", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[Depends(require_csrf)])
def change_own_password(
    page: SignedInPage, settings: SettingsDep,
    current: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)] = "",
    new: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)] = "",
    repeated: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)] = "",
) -> Response:
    """Change one's own password; other sessions end, this one continues under a fresh session id."""
    user = _me(page)
    try:
        change_password(page.session, user=user, current=current, new=new, repeated=repeated)
    except InvalidInput as exc:
        page.session.rollback()
        return _account_page(page, status_code=422, errors={p.field: p.message for p in exc.problems})
    session_id = start_session(page.session, user=user, max_age=settings.session_max_age)
    page.session.commit()
    page.request.session.clear()
    page.request.session[SESSION_ID] = session_id
    csrf_token(page.request)
    return RedirectResponse("/account?changed=1", status_code=303)


@router.post("/tokens", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(require_csrf)])
def create_token(page: SignedInPage, label: Annotated[str, Form(max_length=100)] = "",
                 days: Annotated[str, Form(max_length=4)] = "90") -> Response:
    """Create an API token for oneself; it is shown once, on this answer only."""
    if not label.strip():
        return _account_page(page, status_code=422, errors={"label": "name the token after what will use it, "
                                                                     "e.g. 'regulator dashboard'"})
    if days not in TOKEN_DAYS:
        return _account_page(page, status_code=422, errors={"days": f"choose one of {', '.join(TOKEN_DAYS.values())}"})
    user = _me(page)
    token = issue_token(page.session, user=user, label=label.strip(), days=int(days), actor=user.username)
    page.session.commit()
    response = _account_page(page, notice=f"Token “{label.strip()}” created. Copy it now: it is not shown again.",
                             new_token=token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/tokens/{token_id}/revoke", include_in_schema=False, dependencies=[Depends(require_csrf)])
def revoke_own_token(token_id: int, page: SignedInPage) -> Response:
    """Revoke one of one's own tokens: it stops working on the next request."""
    user = _me(page)
    revoke_token(page.session, user=user, token_id=token_id, actor=user.username)
    page.session.commit()
    return RedirectResponse("/account#tokens", status_code=303)
