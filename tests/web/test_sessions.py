"""Server-side sessions: sign-out, deactivation and account changes end them; the id is new at every sign-in."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session

from kb.accounts import save_user, set_active, user_by_name
from kb.config import Settings
from kb.db import make_engine
from kb.models import Role
from tests.web.conftest import csrf_of, sign_in


def copy_of(client: TestClient) -> TestClient:
    """Another client carrying a copy of this client's session cookie (as an attacker who copied it would)."""
    return TestClient(client.app, cookies={"kb_session": client.cookies["kb_session"]})


def signed_in_as(client: TestClient) -> str | None:
    who = client.get("/api/v1/our-practices")
    return "focal point" if who.status_code == 200 else None


def test_a_cookie_copied_before_sign_out_signs_nobody_in_after_it(client: TestClient) -> None:
    sign_in(client, "focal.xa")
    stolen = copy_of(client)
    assert signed_in_as(stolen) == "focal point"
    client.post("/signout", data={"csrf_token": csrf_of(client.get("/").text)})
    assert signed_in_as(stolen) is None
    assert signed_in_as(client) is None


def test_signing_in_again_gives_a_new_session_id_and_ends_the_old_one(client: TestClient) -> None:
    client.get("/signin")
    before = copy_of(client)
    sign_in(client, "focal.xa")
    assert client.cookies["kb_session"] != before.cookies["kb_session"]
    first = copy_of(client)
    sign_in(client, "focal.xa")
    assert signed_in_as(first) is None and signed_in_as(client) == "focal point"
    client.cookies.clear()


def test_a_change_of_role_or_a_deactivation_ends_the_sessions(client: TestClient,
                                                              demo_app_settings: Settings) -> None:
    engine = make_engine(demo_app_settings)
    sign_in(client, "focal.xc")
    session_cookie = copy_of(client)
    with Session(engine) as session, session.begin():
        user = user_by_name(session, "focal.xc")
        assert user is not None
        save_user(session, username="focal.xc", role=Role.reader, state_code="XC", actor="admin")
    assert signed_in_as(session_cookie) is None, "what a user may see was decided when they signed in"
    with Session(engine) as session, session.begin():
        save_user(session, username="focal.xc", role=Role.focal_point, state_code="XC", actor="admin")
    sign_in(client, "focal.xc")
    again = copy_of(client)
    with Session(engine) as session, session.begin():
        user = user_by_name(session, "focal.xc")
        assert user is not None
        set_active(session, user=user, active=False, actor="admin")
    assert signed_in_as(again) is None
    with Session(engine) as session, session.begin():
        user = user_by_name(session, "focal.xc")
        assert user is not None
        set_active(session, user=user, active=True, actor="admin")
    client.cookies.clear()
    engine.dispose()


def test_an_administrator_ends_a_users_sessions(client: TestClient,
                                                signed_in: Callable[[str], TestClient]) -> None:
    sign_in(client, "focal.xl")
    victim = copy_of(client)
    client.cookies.clear()
    admin = signed_in("admin")
    token = csrf_of(admin.get("/secretariat/users").text)
    ended = admin.post("/secretariat/users/focal.xl/sessions", data={"csrf_token": token}, follow_redirects=False)
    assert ended.status_code == 303
    assert signed_in_as(victim) is None
