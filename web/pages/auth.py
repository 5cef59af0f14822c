"""Sign in and sign out with the signed session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kb.accounts import authenticate, end_session, start_session
from web.csrf import csrf_token, require_csrf
from web.deps import SESSION_ID, SettingsDep
from web.login_limit import LoginLimiter, sign_in_keys
from web.rendering import PageDep

router = APIRouter(tags=["pages"])


def safe_next(target: str) -> str:
    """Return a local path to go to after signing in (never another site)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/signin", response_class=HTMLResponse, include_in_schema=False)
def signin_page(page: PageDep, next: str = "/") -> HTMLResponse:
    """Show the sign-in form."""
    return page.render("signin.html", {"next": safe_next(next), "error": None, "username": ""})


@router.post("/signin", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[Depends(require_csrf)])
def signin(
    page: PageDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password and start a fresh session for the user (429 after too many failures a minute)."""
    limiter: LoginLimiter = page.request.app.state.login_limiter
    keys = sign_in_keys(username.strip(), page.request.client.host if page.request.client else None)
    wait = limiter.retry_after(keys)
    if wait is not None:
        error = (f"Too many failed sign-ins for this username or from this address. "
                 f"Try again in {wait} second{'s' if wait != 1 else ''}.")
        response = page.render("signin.html", {"next": safe_next(next), "username": username, "error": error},
                               status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(page.session, username.strip(), password)
    if user is None:
        limiter.fail(keys)
        return page.render("signin.html", {"next": safe_next(next), "username": username,
                                           "error": "That username and password do not match."}, status_code=401)
    limiter.forget(keys[0])
    previous = page.request.session.get(SESSION_ID)
    if isinstance(previous, str):
        end_session(page.session, previous, reason="signed in again")
    session_id = start_session(page.session, user=user, max_age=settings.session_max_age)
    page.session.commit()
    page.request.session.clear()  # a fresh cookie: a new session id and a new CSRF token (no fixation)
    page.request.session[SESSION_ID] = session_id
    csrf_token(page.request)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/signout", include_in_schema=False, dependencies=[Depends(require_csrf)])
def signout(page: PageDep) -> RedirectResponse:
    """End the session, on the server: a copy of the cookie signs nobody in afterwards."""
    session_id = page.request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        end_session(page.session, session_id)
        page.session.commit()
    page.request.session.clear()
    return RedirectResponse("/", status_code=303)
