"""Password hashing with Argon2 (argon2-cffi), the password rule, and random tokens stored as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200


def password_problem(password: str) -> str | None:
    """Return what is wrong with a new password (the one statement of the rule), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"a password has at most {MAX_PASSWORD_LENGTH} characters"
    return None


def hash_password(password: str) -> str:
    """Hash a password for storage; refuse one that breaks the password rule."""
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its stored hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str = "kb_") -> str:
    """Return a fresh random token (256 bits)."""
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Return the digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
