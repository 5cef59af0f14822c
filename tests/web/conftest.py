"""Web fixtures: the app on a private copy of the demo database, and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.embedder import Embedder
from kb.config import Settings
from kb.models import Practice
from tests.web.demo_copy import copy_demo
from web.app import create_app

DEMO_PASSWORD = "demo-password"


@pytest.fixture(scope="module")
def demo_app_settings(demo_settings: Settings, demo_engine: Engine, tmp_path_factory: pytest.TempPathFactory
                      ) -> Settings:
    """A copy of the demo database for one test module."""
    return copy_demo(demo_settings, tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def client(demo_app_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    """A public visitor's client on the module's app."""
    with TestClient(create_app(demo_app_settings, embedder=embedder)) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    """Return the CSRF token a page's forms carry."""
    field = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf_token"})
    assert field is not None, "the page has no form with a CSRF token"
    return str(field["value"])


def sign_in(client: TestClient, username: str) -> None:
    """Sign a client in through the sign-in form."""
    token = csrf_of(client.get("/signin").text)
    response = client.post("/signin", data={"username": username, "password": DEMO_PASSWORD,
                                            "csrf_token": token, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text


@pytest.fixture
def signed_in(client: TestClient) -> Iterator[Callable[[str], TestClient]]:
    """Sign the module's client in as a demo user; signed out again afterwards."""
    def as_user(username: str) -> TestClient:
        sign_in(client, username)
        return client

    yield as_user
    client.cookies.clear()


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")




@pytest.fixture(scope="session")
def public_ids(demo_engine: Engine) -> dict[str, str]:
    """The opaque id of every demo practice, by its reference (tests know references; viewers see opaque ids).

    Copies of the demo database keep them: they are columns of the rows.
    """
    with Session(demo_engine) as session:
        return dict(session.exec(select(Practice.external_id, Practice.public_id)).all())
