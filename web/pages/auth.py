"""Sign in and sign out with the signed session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kb.accounts import authenticate
from web.csrf import csrf_token, require_csrf
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
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password and start a fresh session for the user."""
    user = authenticate(page.session, username.strip(), password)
    if user is None:
        return page.render("signin.html", {"next": safe_next(next), "username": username,
                                           "error": "That username and password do not match."}, status_code=401)
    page.request.session.clear()
    page.request.session["user_id"] = user.id
    csrf_token(page.request)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/signout", include_in_schema=False, dependencies=[Depends(require_csrf)])
def signout(page: PageDep) -> RedirectResponse:
    """End the session."""
    page.request.session.clear()
    return RedirectResponse("/", status_code=303)
