"""User accounts: the secretariat reads them, administrators change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from kb.accounts import AccountError, save_user, user_by_name
from kb.directory import DirectoryError, set_user_networks, user_network_codes
from kb.models import Role, User
from kb.records import StateCode
from web.api.access import AdminDep, SecretariatDep, require_api_csrf
from web.deps import SessionDep

router = APIRouter(prefix="/users", tags=["users"], dependencies=[Depends(require_api_csrf)])

USER_NOT_FOUND = "user not found"
USERNAME = r"^[A-Za-z0-9._-]{2,64}$"
ERRORS = {401: {"description": "not signed in"}, 403: {"description": "not allowed"},
          404: {"description": USER_NOT_FOUND}}


class UserPublic(BaseModel):
    """A user as the secretariat sees them (never the password)."""

    username: str
    full_name: str
    role: Role
    state: str | None
    networks: list[str]
    is_active: bool


class UserUpdate(BaseModel):
    """A user's role, state, name and direct network memberships; a new user also needs a password."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    state: StateCode | None = None
    full_name: str = Field(default="", max_length=200)
    password: str | None = Field(default=None, min_length=12, max_length=200)
    networks: list[str] = Field(default_factory=list, max_length=100)


def _public(session: Session, user: User) -> UserPublic:
    return UserPublic(username=user.username, full_name=user.full_name, role=user.role, state=user.state_code,
                      networks=user_network_codes(session, user), is_active=user.is_active)


def _problem(field: str, message: str, value: object) -> HTTPException:
    return HTTPException(status_code=422, detail=[{"loc": ["body", field], "msg": message, "type": "value_error",
                                                   "input": value}])


@router.get("", response_model=list[UserPublic], responses=ERRORS)
def list_users(session: SessionDep, viewer: SecretariatDep) -> list[UserPublic]:
    """Return every user with their role, state and direct network memberships."""
    return [_public(session, u) for u in session.exec(select(User).order_by(User.username))]


@router.get("/{username}", response_model=UserPublic, responses=ERRORS)
def read_user(username: str, session: SessionDep, viewer: SecretariatDep) -> UserPublic:
    """Return one user."""
    user = user_by_name(session, username)
    if user is None:
        raise HTTPException(status_code=404, detail=USER_NOT_FOUND)
    return _public(session, user)


@router.put("/{username}", response_model=UserPublic, responses=ERRORS)
def save_user_account(
    username: Annotated[str, Path(pattern=USERNAME)], body: UserUpdate, session: SessionDep, viewer: AdminDep
) -> UserPublic:
    """Create a user or change their role, state, name, password and networks (administrators only)."""
    if user_by_name(session, username) is None and body.password is None:
        raise _problem("password", "a new user needs a password of at least 12 characters", None)
    actor = viewer.username or ""
    try:
        user = save_user(session, username=username, role=body.role, state_code=body.state,
                         full_name=body.full_name, password=body.password, actor=actor)
    except AccountError as exc:
        raise _problem("state", str(exc), body.state) from exc
    try:
        set_user_networks(session, user=user, codes=body.networks, actor=actor)
    except DirectoryError as exc:
        raise _problem("networks", str(exc), body.networks) from exc
    session.commit()
    return _public(session, user)
