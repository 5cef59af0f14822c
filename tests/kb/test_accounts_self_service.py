"""A person's own password and tokens, and an administrator's reset, without HTTP, on each backend."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kb.accounts import (
    authenticate,
    change_password,
    issue_token,
    reset_password,
    revoke_token,
    start_session,
    tokens_of,
    user_by_name,
    user_for_session,
    user_for_token,
)
from kb.errors import InvalidInput, NotFound

DEMO_PASSWORD = "demo-password"


def test_changing_ones_password_needs_the_current_one_and_ends_every_session(directory_engine: Engine) -> None:
    with Session(directory_engine) as session:
        user = user_by_name(session, "reader.xb")
        assert user is not None
        cookie = start_session(session, user=user, max_age=3600)
        with pytest.raises(InvalidInput) as refused:
            change_password(session, user=user, current="wrong", new="short", repeated="short")
        assert {p.field for p in refused.value.problems} == {"current", "new"}
        with pytest.raises(InvalidInput, match="differ"):
            change_password(session, user=user, current=DEMO_PASSWORD, new="a-long-new-pass",
                            repeated="other-long-pass")
        change_password(session, user=user, current=DEMO_PASSWORD, new="a-long-new-pass", repeated="a-long-new-pass")
        session.commit()
        assert user_for_session(session, cookie) is None
        assert authenticate(session, "reader.xb", DEMO_PASSWORD) is None
        assert authenticate(session, "reader.xb", "a-long-new-pass") is not None


def test_a_reset_forces_a_change_that_clears_it(directory_engine: Engine) -> None:
    with Session(directory_engine) as session:
        user = user_by_name(session, "reader.xk")
        assert user is not None
        with pytest.raises(InvalidInput):
            reset_password(session, user=user, temporary="short", actor="admin")
        reset_password(session, user=user, temporary="temporary-pass-1", actor="admin")
        session.commit()
        assert user.must_change_password and authenticate(session, "reader.xk", "temporary-pass-1") is not None
        change_password(session, user=user, current="temporary-pass-1", new="chosen-by-me-1",
                        repeated="chosen-by-me-1")
        session.commit()
        assert not user.must_change_password


def test_a_token_is_revoked_by_its_owner_only(directory_engine: Engine) -> None:
    with Session(directory_engine) as session:
        owner, other = user_by_name(session, "reader.xb"), user_by_name(session, "reader.xk")
        assert owner is not None and other is not None
        token = issue_token(session, user=owner, label="dashboard", days=30, actor="reader.xb")
        session.commit()
        row = tokens_of(session, owner)[0]
        assert row.label == "dashboard" and tokens_of(session, other) == []
        with pytest.raises(NotFound):
            revoke_token(session, user=other, token_id=row.id or 0, actor="reader.xk")
        assert user_for_token(session, token) is not None
        revoke_token(session, user=owner, token_id=row.id or 0, actor="reader.xb")
        session.commit()
        assert user_for_token(session, token) is None
