"""User accounts, sign-in and API tokens."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from kb import audit
from kb.models import ApiToken, Role, State, User, utcnow
from kb.passwords import hash_password, new_token, token_digest, verify_password


class AccountError(ValueError):
    """An account change that cannot be made as asked."""


def user_by_name(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def save_user(
    session: Session,
    *,
    username: str,
    role: Role,
    state_code: str | None,
    full_name: str = "",
    password: str | None = None,
    actor: str,
) -> User:
    """Create a user or update their role, state and name (and password when given)."""
    if role in (Role.reader, Role.focal_point) and state_code is None:
        raise AccountError(f"a {role.value} belongs to a state; give the user's state")
    if state_code is not None and session.get(State, state_code) is None:
        raise AccountError(f"unknown state {state_code!r}")
    user = user_by_name(session, username)
    before = None if user is None else {"role": user.role, "state": user.state_code, "full_name": user.full_name}
    user = user or User(username=username)
    user.role = role
    user.state_code = state_code
    user.full_name = full_name or user.full_name
    if password is not None:
        user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    after = {"role": user.role, "state": user.state_code, "full_name": user.full_name}
    if before != after or password is not None:
        audit.record(session, actor=actor, action="user.save", object_type="user", object_id=username,
                     before=before, after=after)
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with this username and password, or None."""
    user = user_by_name(session, username)
    if user is None or not user.is_active:
        verify_password("", password)
        return None
    return user if verify_password(user.password_hash, password) else None


def issue_token(session: Session, *, user: User, label: str = "", days: int | None = None, actor: str) -> str:
    """Create a bearer token for a user; only its digest is stored, so it is shown once."""
    token = new_token()
    expires = utcnow() + timedelta(days=days) if days else None
    session.add(ApiToken(user_id=user.id or 0, token_hash=token_digest(token), label=label, expires_at=expires))
    audit.record(session, actor=actor, action="token.issue", object_type="user", object_id=user.username,
                 after={"label": label, "expires_at": expires.isoformat() if expires else None})
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """Return the active user a valid, unrevoked, unexpired token belongs to."""
    found = session.exec(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == token_digest(token))  # type: ignore[arg-type]
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at < utcnow()):
        return None
    return user if user.is_active else None


def revoke_tokens(session: Session, *, user: User, actor: str) -> int:
    """Revoke every token of a user; return how many were revoked."""
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()  # type: ignore[union-attr]
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
    if rows:
        audit.record(session, actor=actor, action="token.revoke", object_type="user", object_id=user.username,
                     after={"revoked": len(rows)})
    return len(rows)
