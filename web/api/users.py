"""User accounts: the secretariat reads them, administrators change them, end their sessions, deactivate them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from kb.accounts import USERNAME_PATTERN, end_sessions, open_sessions, save_user, set_active, user_by_name
from kb.directory import set_user_networks, user_network_codes
from kb.errors import NotFound
from kb.models import Role, User
from kb.passwords import MAX_PASSWORD_LENGTH
from kb.records import StateCode
from web.api.access import AdminDep, Responses, SecretariatDep, require_api_csrf
from web.deps import SessionDep

router = APIRouter(prefix="/users", tags=["users"], dependencies=[Depends(require_api_csrf)])

USER_NOT_FOUND = "user not found"
ERRORS: Responses = {401: {"description": "not signed in"}, 403: {"description": "not allowed"},
          404: {"description": USER_NOT_FOUND}}
Username = Annotated[str, Path(pattern=USERNAME_PATTERN)]


class UserPublic(BaseModel):
    """A user as the secretariat sees them (never the password)."""

    username: str
    full_name: str
    role: Role
    state: str | None
    networks: list[str]
    is_active: bool
    open_sessions: int


class UserUpdate(BaseModel):
    """A user's role, state, name and direct network memberships; a new user also needs a password."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    state: StateCode | None = None
    full_name: str = Field(default="", max_length=200)
    password: str | None = Field(default=None, max_length=MAX_PASSWORD_LENGTH,
                                 description="At least kb.passwords.MIN_PASSWORD_LENGTH characters")
    networks: list[str] = Field(default_factory=list, max_length=100)


class ActiveUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


def _public(session: Session, user: User) -> UserPublic:
    return UserPublic(username=user.username, full_name=user.full_name, role=user.role, state=user.state_code,
                      networks=user_network_codes(session, user), is_active=user.is_active,
                      open_sessions=len(open_sessions(session, user=user)))


def _user(session: Session, username: str) -> User:
    user = user_by_name(session, username)
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    return user


@router.get("", response_model=list[UserPublic], responses=ERRORS)
def list_users(session: SessionDep, viewer: SecretariatDep) -> list[UserPublic]:
    """Return every user with their role, state and direct network memberships."""
    return [_public(session, u) for u in session.exec(select(User).order_by(User.username))]


@router.get("/{username}", response_model=UserPublic, responses=ERRORS)
def read_user(username: str, session: SessionDep, viewer: SecretariatDep) -> UserPublic:
    """Return one user."""
    return _public(session, _user(session, username))


@router.put("/{username}", response_model=UserPublic, responses=ERRORS)
def save_user_account(username: Username, body: UserUpdate, session: SessionDep, viewer: AdminDep) -> UserPublic:
    """Create a user or change their role, state, name, password and networks (administrators only).

    A change of role, state or password ends the user's sessions.
    """
    actor = viewer.username or ""
    user = save_user(session, username=username, role=body.role, state_code=body.state, full_name=body.full_name,
                     password=body.password, actor=actor,
                     new_needs_password=True)
    set_user_networks(session, user=user, codes=body.networks, actor=actor)
    session.commit()
    return _public(session, user)


@router.put("/{username}/active", response_model=UserPublic, responses=ERRORS)
def set_user_active(username: str, body: ActiveUpdate, session: SessionDep, viewer: AdminDep) -> UserPublic:
    """Activate or deactivate a user; deactivation ends their sessions and stops their tokens at once."""
    user = _user(session, username)
    set_active(session, user=user, active=body.active, actor=viewer.username or "")
    session.commit()
    return _public(session, user)


@router.delete("/{username}/sessions", response_model=UserPublic, responses=ERRORS)
def end_user_sessions(username: str, session: SessionDep, viewer: AdminDep) -> UserPublic:
    """End every session of a user (they must sign in again)."""
    user = _user(session, username)
    end_sessions(session, user=user, reason="ended by an administrator", actor=viewer.username or "")
    session.commit()
    return _public(session, user)
