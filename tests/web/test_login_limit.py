"""Failed sign-ins are limited per username and per address within a sliding minute; sessions expire."""

from __future__ import annotations

import json
import time
from base64 import b64encode
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlmodel import Session

from index.embedder import Embedder
from kb.accounts import end_session, start_session, user_by_name
from kb.config import Settings
from kb.db import make_engine
from tests.web.conftest import DEMO_PASSWORD, csrf_of, soup
from web.app import create_app
from web.login_limit import LoginLimiter

LIMIT = 3
NETWORK_ONLY = "GP-NUC-001"  # Aldoria's, shared with the NSSN only


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def limited_settings(demo_app_settings: Settings) -> Settings:
    return demo_app_settings.model_copy(update={"login_attempts_per_minute": LIMIT})


@pytest.fixture
def clock(limited_app_client: TestClient) -> Clock:
    """Give the app a fresh limiter on a clock the test moves."""
    fake = Clock()
    limited_app_client.app.state.login_limiter = LoginLimiter(LIMIT, clock=fake)  # type: ignore[attr-defined]
    return fake


@pytest.fixture(scope="module")
def limited_app_client(limited_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(limited_settings, embedder=embedder)) as client:
        yield client


def sign_in_from(app_client: TestClient, address: str, username: str, password: str) -> int:
    """Post the sign-in form from a client address; return the status code."""
    client = TestClient(app_client.app, client=(address, 40000))  # shares the running app; no second start-up
    token = csrf_of(client.get("/signin").text)
    response = client.post("/signin", data={"username": username, "password": password, "csrf_token": token},
                           follow_redirects=False)
    if response.status_code == 429:
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert "Too many failed sign-ins" in soup(response.text).find(attrs={"role": "alert"}).get_text()
    return response.status_code


def test_limiter_slides_over_the_last_minute() -> None:
    clock = Clock()
    limiter = LoginLimiter(LIMIT, clock=clock)
    for _ in range(LIMIT):  # failures at 0 s, 15 s and 30 s
        assert limiter.retry_after(["user:a"]) is None
        limiter.fail(["user:a"])
        clock.now += 15
    assert limiter.retry_after(["user:a"]) == 15  # at 45 s: the first failure leaves the minute at 60 s
    clock.now += 15
    assert limiter.retry_after(["user:a"]) is None
    limiter.fail(["user:a"])  # failures at 15 s, 30 s and 60 s
    assert limiter.retry_after(["user:a"]) == 15
    assert limiter.retry_after(["user:b"]) is None


def test_too_many_failures_for_a_username_answer_429_even_with_the_right_password(
    limited_app_client: TestClient, clock: Clock
) -> None:
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert sign_in_from(limited_app_client, address, "focal.xa", "wrong-password") == 401
    assert sign_in_from(limited_app_client, "10.0.0.4", "focal.xa", DEMO_PASSWORD) == 429
    assert sign_in_from(limited_app_client, "10.0.0.4", "focal.xc", DEMO_PASSWORD) == 303
    clock.now += 61
    assert sign_in_from(limited_app_client, "10.0.0.4", "focal.xa", DEMO_PASSWORD) == 303


def test_too_many_failures_from_one_address_answer_429_for_any_username(
    limited_app_client: TestClient, clock: Clock
) -> None:
    for username in ("alice", "bob", "carol"):
        assert sign_in_from(limited_app_client, "10.0.0.9", username, "guess") == 401
    assert sign_in_from(limited_app_client, "10.0.0.9", "reader.xp", DEMO_PASSWORD) == 429
    assert sign_in_from(limited_app_client, "10.0.0.8", "reader.xp", DEMO_PASSWORD) == 303


class SignerAt(TimestampSigner):
    """Signs as if it were some seconds ago."""

    def __init__(self, secret: str, seconds_ago: int) -> None:
        super().__init__(secret)
        self.seconds_ago = seconds_ago

    def get_timestamp(self) -> int:
        return int(time.time()) - self.seconds_ago


def session_cookie(secret: str, data: dict[str, object], *, seconds_ago: int = 0) -> str:
    return SignerAt(secret, seconds_ago).sign(b64encode(json.dumps(data).encode())).decode()


def test_only_a_live_server_side_session_signs_anyone_in(
    limited_app_client: TestClient, limited_settings: Settings, public_ids: dict[str, str]
) -> None:
    """A cookie is a random session id the server knows, not a user id: a forged or stale one is the public."""
    engine = make_engine(limited_settings)
    with Session(engine) as session, session.begin():
        user = user_by_name(session, "focal.xa")
        admin = user_by_name(session, "admin")
        assert user is not None and admin is not None
        live = start_session(session, user=user, max_age=limited_settings.session_max_age)
        ended = start_session(session, user=user, max_age=limited_settings.session_max_age)
        end_session(session, ended)
        expired = start_session(session, user=user, max_age=-1)
        admin_id = admin.id
    secret, max_age = limited_settings.secret_key, limited_settings.session_max_age
    network_only = public_ids[NETWORK_ONLY]

    def status_with(cookie: str) -> int:
        client = TestClient(limited_app_client.app, cookies={"kb_session": cookie})
        return client.get(f"/api/v1/practices/{network_only}").status_code

    assert status_with(session_cookie(secret, {"sid": live})) == 200
    assert status_with(session_cookie(secret, {"sid": live}, seconds_ago=max_age - 60)) == 200
    assert status_with(session_cookie(secret, {"sid": live}, seconds_ago=max_age + 60)) == 404
    assert status_with(session_cookie("not-the-secret-key", {"sid": live})) == 404
    assert status_with(session_cookie(secret, {"sid": ended})) == 404, "signed out: the copy is worth nothing"
    assert status_with(session_cookie(secret, {"sid": expired})) == 404
    assert status_with(session_cookie(secret, {"sid": "s_guessed"})) == 404
    forged = TestClient(limited_app_client.app, cookies={"kb_session": session_cookie(secret, {"user_id": admin_id})})
    assert forged.get("/secretariat", follow_redirects=False).status_code == 303, "a user id in a cookie is nothing"
    engine.dispose()
