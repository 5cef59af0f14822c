"""API fixtures: bearer tokens for demo users on the module's copy of the demo database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kb.accounts import issue_token, user_by_name
from kb.config import Settings
from kb.db import make_engine


@pytest.fixture(scope="module")
def api_engine(demo_app_settings: Settings) -> Iterator[Engine]:
    """The tests' own connection to the module's database, for issuing tokens and checking what was stored."""
    engine = make_engine(demo_app_settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def bearer(api_engine: Engine) -> Callable[[str], dict[str, str]]:
    """Return the Authorization header of a demo user's API token (one token per user and module)."""
    tokens: dict[str, str] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            with Session(api_engine) as session, session.begin():
                user = user_by_name(session, username)
                assert user is not None, username
                tokens[username] = issue_token(session, user=user, label="test", actor="test")
        return {"Authorization": f"Bearer {tokens[username]}"}

    return headers
