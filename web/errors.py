"""One error path: domain errors, HTTP errors and 'sign in first' become answers here, and only here.

The API answers JSON: 422 with FastAPI's own body shape (`detail`: a list of `loc`, `msg`, `type`, `input`), 409
with what holds now, 404 for what does not exist or may not be seen (the same answer), 403 for what may be seen
but not done. Pages answer with the error page; forms catch `InvalidInput` themselves to show each problem beside
its field.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb.errors import Conflict, DomainError, InvalidInput
from kb.viewer import viewer_for
from web.deps import ChangePasswordFirst, get_current_user, requester_of
from web.guards import SignInFirst
from web.rendering import Page

ERROR_TITLES = {401: "Sign in first", 403: "Not allowed", 404: "Not found", 405: "Not allowed",
                409: "Changed meanwhile", 413: "Too large", 422: "Check the form"}


def is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/feeds/"))


def problem_details(exc: InvalidInput, request: Request) -> list[dict[str, object]]:
    """Return the 422 body's `detail`: one entry per problem, located in the body or the query."""
    place = "query" if request.method in ("GET", "HEAD") else "body"
    return [{"loc": [place, *(p.field.split(".") if p.field else [])], "msg": p.message, "type": "value_error",
             "input": jsonable_encoder(p.value)} for p in exc.problems]


async def domain_error(request: Request, exc: Exception) -> Response:
    """Answer a refusal of the domain (kb.errors) with its status."""
    assert isinstance(exc, DomainError)
    if is_api(request):
        if isinstance(exc, InvalidInput):
            return JSONResponse({"detail": problem_details(exc, request)}, status_code=422)
        body: dict[str, object] = {"detail": exc.message}
        if isinstance(exc, Conflict) and exc.current is not None:
            body["current"] = jsonable_encoder(exc.current)
        return JSONResponse(body, status_code=exc.status)
    return await error_page(request, exc.status, exc.message)


async def sign_in_first(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInFirst)
    return RedirectResponse(f"/signin?next={quote(exc.next_path, safe='/')}", status_code=303)


async def html_error(request: Request, exc: Exception) -> Response:
    """Answer HTTP errors on pages with a page (the API keeps its JSON errors)."""
    assert isinstance(exc, StarletteHTTPException)
    if is_api(request) or request.url.path.startswith("/static/"):
        return await http_exception_handler(request, exc)
    return await error_page(request, exc.status_code, exc.detail, headers=dict(exc.headers or {}))


async def error_page(request: Request, status: int, detail: object, headers: dict[str, str] | None = None
                     ) -> Response:
    with Session(request.app.state.engine) as session:
        try:
            user = get_current_user(request, session)
        except (StarletteHTTPException, ChangePasswordFirst):
            user = None
        viewer = viewer_for(session, user, requester=requester_of(request, user))
        page = Page(request=request, session=session, viewer=viewer, user=user)
        title = ERROR_TITLES.get(status, "Something went wrong")
        response = page.render("error.html", {"status": status, "title": title, "detail": detail},
                               status_code=status)
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response


async def change_password_first(request: Request, exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse({"detail": "change your password in the portal first"}, status_code=403)
    return RedirectResponse("/account", status_code=303)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ChangePasswordFirst, change_password_first)
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(SignInFirst, sign_in_first)
    app.add_exception_handler(StarletteHTTPException, html_error)
