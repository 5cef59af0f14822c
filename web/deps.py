"""Request dependencies as `Annotated` aliases: the session, the settings, the current user, the viewer, search."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlmodel import Session

from index.search import SearchService
from kb.accounts import user_for_session, user_for_token
from kb.config import Settings
from kb.models import User
from kb.viewer import Viewer, viewer_for

SESSION_ID = "sid"  # the key of the server-side session's id in the signed cookie
BAD_TOKEN = "The bearer token is not valid: unknown, revoked or expired. `kb users token NAME` issues a new one."


@contextmanager
def request_session(request: Request) -> Iterator[Session]:
    """Open a database session for this request."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def get_session(request: Request) -> Iterator[Session]:
    with request_session(request) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_settings_dep(request: Request) -> Settings:  # async: no worker-thread hand-off for a lookup
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def get_current_user(request: Request, session: SessionDep) -> User | None:
    """Return the user of the bearer token or of the server-side session; None for the public.

    A bearer token that is not valid is refused (401), never read as the public: an integration must not
    silently get less than it asked for.
    """
    token = bearer_token(request)
    if token is not None:
        user = user_for_token(session, token)
        if user is None:
            raise HTTPException(status_code=401, detail=BAD_TOKEN,
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return user
    session_id = request.session.get(SESSION_ID) if "session" in request.scope else None
    user = user_for_session(session, session_id) if isinstance(session_id, str) else None
    if user is not None and user.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise ChangePasswordFirst()
    return user


PASSWORD_CHANGE_PATHS = frozenset({"/account", "/account/password", "/signout"})


class ChangePasswordFirst(Exception):
    """A signed-in person whose password was reset asks for anything else: they are sent to choose a new one."""


CurrentUser = Annotated[User | None, Depends(get_current_user)]


def requester_of(request: Request, user: User | None) -> str | None:
    """Return who is asking, for per-requester caches: the user, or a visitor's session; None when unknown."""
    if user is not None:
        return f"user:{user.id}"
    csrf = request.session.get("csrf") if "session" in request.scope else None
    return "visitor:" + hashlib.sha256(csrf.encode()).hexdigest()[:24] if isinstance(csrf, str) else None


def get_viewer(request: Request, session: SessionDep, user: CurrentUser) -> Viewer:
    """Return who is asking, read fresh from the database for this request."""
    return viewer_for(session, user, requester=requester_of(request, user))


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


async def get_search(request: Request) -> SearchService:  # async: no worker-thread hand-off for a lookup
    return request.app.state.search


SearchDep = Annotated[SearchService, Depends(get_search)]
