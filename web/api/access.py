"""Who may call which part of the API: signed-in callers, the secretariat, administrators (checks in web.guards)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kb.viewer import Viewer
from web.csrf import require_csrf
from web.deps import SESSION_ID, ViewerDep
from web.guards import require_admin, require_secretariat

Responses = dict[int | str, dict[str, Any]]  # the OpenAPI description of a route's error answers
SIGN_IN = "Sign in first: send 'Authorization: Bearer <token>' (kb users token NAME issues one)."


# Declares the bearer token in the OpenAPI schema (the /docs "Authorize" button); web.deps reads the token.
bearer_token = HTTPBearer(auto_error=False, description="An API token from `kb users token NAME`")


def signed_in_viewer(
    viewer: ViewerDep, _token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_token)]
) -> Viewer:
    """Return the caller, or 401 for the public."""
    if viewer.is_public:
        raise HTTPException(status_code=401, detail=SIGN_IN, headers={"WWW-Authenticate": "Bearer"})
    return viewer


SignedInDep = Annotated[Viewer, Depends(signed_in_viewer)]


def secretariat_viewer(viewer: SignedInDep) -> Viewer:
    """Return the caller when they are a curator or administrator; 403 for anyone else signed in."""
    require_secretariat(viewer)
    return viewer


SecretariatDep = Annotated[Viewer, Depends(secretariat_viewer)]


def admin_viewer(viewer: SecretariatDep) -> Viewer:
    """Return the caller when they are an administrator."""
    require_admin(viewer)
    return viewer


AdminDep = Annotated[Viewer, Depends(admin_viewer)]


async def require_api_csrf(request: Request) -> None:
    """Check the CSRF token on writes authenticated by the session cookie (bearer-token calls are exempt).

    A call with neither a token nor a signed-in session carries no authority to abuse; it goes on to get 401.
    """
    if SESSION_ID in request.session:
        await require_csrf(request)
