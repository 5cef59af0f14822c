"""The one form in which a person is credited: "Full Name (username)", or the name as recorded."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from kb.models import User


def credits(session: Session, names: Iterable[str | None]) -> dict[str, str]:
    """Return, for every name that is a user's, how that person is credited: "Full Name (username)"."""
    wanted = sorted({n for n in names if n})
    if not wanted:
        return {}
    users = session.exec(select(User).where(col(User.username).in_(wanted)))
    return {u.username: f"{u.full_name} ({u.username})" if u.full_name else u.username for u in users}


def credit(people: dict[str, str], name: str | None) -> str:
    """Say who did it: the person's credit if the name is a user's, else the name as recorded ("—" if none)."""
    return people.get(name or "", name or "—")
