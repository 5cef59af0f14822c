"""Request dependencies as `Annotated` aliases: the session, the current user, the viewer, search."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from index.search import SearchService
from kb.accounts import user_for_token
from kb.config import Settings
from kb.models import User
from kb.viewer import Viewer, viewer_for


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


def get_current_user(request: Request, session: SessionDep) -> User | None:
    """Return the user of the bearer token or the signed session cookie; None for the public."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return user_for_token(session, header[7:].strip())
    user_id = request.scope.get("session", {}).get("user_id") if "session" in request.scope else None
    if isinstance(user_id, int):
        user = session.get(User, user_id)
        if user is not None and user.is_active:
            return user
    return None


CurrentUser = Annotated[User | None, Depends(get_current_user)]


def get_viewer(session: SessionDep, user: CurrentUser) -> Viewer:
    """Return who is asking, read fresh from the database for this request."""
    return viewer_for(session, user)


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


async def get_search(request: Request) -> SearchService:  # async: no worker-thread hand-off for a lookup
    return request.app.state.search


SearchDep = Annotated[SearchService, Depends(get_search)]
