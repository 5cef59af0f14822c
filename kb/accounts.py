"""User accounts: saving users, signing in, server-side sessions and API tokens."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, col, select

from kb import audit
from kb.errors import InvalidInput, NotFound, Problem
from kb.models import ApiToken, Role, State, User, UserSession, utcnow
from kb.passwords import hash_password, new_token, password_problem, token_digest, verify_password

USERNAME_PATTERN = r"^[A-Za-z0-9._-]{2,64}$"
USERNAME_RULE = "2–64 letters, digits, dots, underscores or hyphens"
SESSION_SEEN_EVERY = timedelta(minutes=5)  # how stale `last_seen_at` may get (a write per request is not worth it)


class AccountError(InvalidInput):
    """An account change that cannot be made as asked."""


def user_by_name(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def _check_account(username: str, role: Role, state_code: str | None, password: str | None, *,
                   password_needed: bool, session: Session) -> None:
    problems: list[Problem] = []
    if re.fullmatch(USERNAME_PATTERN, username) is None:
        problems.append(Problem("username", f"a username has {USERNAME_RULE}", username))
    if role in (Role.reader, Role.focal_point) and state_code is None:
        problems.append(Problem("state", f"a {role.value.replace('_', ' ')} belongs to a state; give their state"))
    if role == Role.provider and state_code is not None:
        problems.append(Problem("state", "a provider's user belongs to an assistance provider, not to a state",
                                state_code))
    if state_code is not None and session.get(State, state_code) is None:
        problems.append(Problem("state", "unknown state", state_code))
    if password_needed and password is None:
        problems.append(Problem("password", "a new user needs a password"))
    if password is not None and (problem := password_problem(password)):
        problems.append(Problem("password", problem))
    if problems:
        raise AccountError(problems)


def save_user(
    session: Session,
    *,
    username: str,
    role: Role,
    state_code: str | None,
    full_name: str = "",
    password: str | None = None,
    actor: str,
    new_needs_password: bool = False,
) -> User:
    """Create a user or update their role, state and name (and password when given).

    A change of role, state or password ends the user's sessions: what they may see was decided at sign-in.
    With `new_needs_password` (the portal and the API), a new user must come with a password.
    """
    user = user_by_name(session, username)
    _check_account(username, role, state_code, password, password_needed=new_needs_password and user is None,
                   session=session)
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
    if before is not None and (before["role"] != user.role or before["state"] != user.state_code
                               or password is not None):
        end_sessions(session, user=user, reason="account changed", actor=actor)
    return user


def set_active(session: Session, *, user: User, active: bool, actor: str) -> None:
    """Activate or deactivate a user; a deactivated user's sessions end and their tokens stop working."""
    if user.is_active == active:
        return
    user.is_active = active
    session.add(user)
    audit.record(session, actor=actor, action="user.activate" if active else "user.deactivate",
                 object_type="user", object_id=user.username, before={"active": not active},
                 after={"active": active})
    if not active:
        end_sessions(session, user=user, reason="deactivated", actor=actor)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with this username and password, or None."""
    user = user_by_name(session, username)
    if user is None or not user.is_active:
        verify_password("", password)
        return None
    return user if verify_password(user.password_hash, password) else None


# -- sessions --------------------------------------------------------------------------------------


def start_session(session: Session, *, user: User, max_age: int) -> str:
    """Open a server-side session for a user; return its random id, which only the cookie holds."""
    token = new_token("s_")
    now = utcnow()
    session.add(UserSession(token_hash=token_digest(token), user_id=user.id or 0, created_at=now,
                            last_seen_at=now, expires_at=now + timedelta(seconds=max_age)))
    session.flush()
    return token


def user_for_session(session: Session, token: str) -> User | None:
    """Return the active user of a session that has not ended or expired (None otherwise)."""
    found = session.exec(
        select(UserSession, User).join(User, col(User.id) == UserSession.user_id)
        .where(UserSession.token_hash == token_digest(token))
    ).first()
    if found is None:
        return None
    row, user = found
    now = utcnow()
    if row.ended_at is not None or row.expires_at < now or not user.is_active:
        return None
    if now - row.last_seen_at > SESSION_SEEN_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return user


def end_session(session: Session, token: str, *, reason: str = "signed out") -> None:
    """End one session (sign-out); the cookie that carried it no longer signs anyone in."""
    row = session.exec(select(UserSession).where(UserSession.token_hash == token_digest(token))).first()
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        row.ended_reason = reason
        session.add(row)


def end_sessions(session: Session, *, user: User, reason: str, actor: str) -> int:
    """End every open session of a user; return how many were ended."""
    rows = session.exec(select(UserSession).where(UserSession.user_id == user.id,
                                                  col(UserSession.ended_at).is_(None))).all()
    now = utcnow()
    for row in rows:
        row.ended_at = now
        row.ended_reason = reason
        session.add(row)
    if rows:
        audit.record(session, actor=actor, action="user.sessions_ended", object_type="user",
                     object_id=user.username, after={"ended": len(rows), "reason": reason})
    return len(rows)


def open_sessions(session: Session, *, user: User) -> list[UserSession]:
    """Return a user's sessions that have neither ended nor expired, newest first."""
    now = utcnow()
    return list(session.exec(
        select(UserSession).where(UserSession.user_id == user.id, col(UserSession.ended_at).is_(None),
                                  col(UserSession.expires_at) > now)
        .order_by(col(UserSession.created_at).desc())
    ))


# -- API tokens ------------------------------------------------------------------------------------


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
        select(ApiToken, User).join(User, col(User.id) == ApiToken.user_id)
        .where(ApiToken.token_hash == token_digest(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at < utcnow()):
        return None
    return user if user.is_active else None


def revoke_tokens(session: Session, *, user: User, actor: str) -> int:
    """Revoke every token of a user; return how many were revoked."""
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))).all()
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
    if rows:
        audit.record(session, actor=actor, action="token.revoke", object_type="user", object_id=user.username,
                     after={"revoked": len(rows)})
    return len(rows)


# -- a person's own account ------------------------------------------------------------------------


def change_password(session: Session, *, user: User, current: str, new: str, repeated: str) -> None:
    """Change one's own password after proving the current one; every session of the user ends."""
    problems: list[Problem] = []
    if not verify_password(user.password_hash, current):
        problems.append(Problem("current", "this is not your current password; type it again"))
    if (problem := password_problem(new)) is not None:
        problems.append(Problem("new", problem))
    elif new != repeated:
        problems.append(Problem("repeated", "the two new passwords differ; type the same one twice"))
    elif new == current:
        problems.append(Problem("new", "choose a password different from the current one"))
    if problems:
        raise AccountError(problems)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    session.add(user)
    audit.record(session, actor=user.username, action="user.password", object_type="user", object_id=user.username,
                 after={"changed_by": "themselves"})
    end_sessions(session, user=user, reason="password changed", actor=user.username)


def reset_password(session: Session, *, user: User, temporary: str, actor: str) -> None:
    """Give a user a temporary password that they must replace at their next sign-in; their sessions end."""
    if (problem := password_problem(temporary)) is not None:
        raise AccountError([Problem("password", problem)])
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    session.add(user)
    audit.record(session, actor=actor, action="user.password_reset", object_type="user", object_id=user.username,
                 after={"must_change_password": True})
    end_sessions(session, user=user, reason="password reset", actor=actor)


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """Return a user's API tokens, newest first (only digests are stored: a token is shown once, when made)."""
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == user.id)
                             .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())))


def revoke_token(session: Session, *, user: User, token_id: int, actor: str) -> ApiToken:
    """Revoke one of the user's own tokens; another's token is not found, exactly like one that does not exist."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("token not found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(session, actor=actor, action="token.revoke", object_type="user", object_id=user.username,
                     after={"label": row.label, "revoked": 1})
    return row
