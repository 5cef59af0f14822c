"""A plan share withdrawn through one server process is gone on the very next request in another (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from fixtures.load import load_directory
from kb import migrate
from kb.accounts import issue_token, user_by_name
from kb.db import make_engine
from kb.plan_shares import share_plan
from kb.plans import plan_for
from kb.vocabulary import Vocabulary
from tests.conftest import PostgresSchema
from tests.missions_world import load_missions_world, viewer
from tests.test_multiprocess import Server

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def plans_database(tmp_path: Path, vocabularies: dict[str, Vocabulary]) -> Iterator[tuple[str, Engine]]:
    """A PostgreSQL schema with the directory, the practices (unembedded), the missions and the demo plans."""
    schema = PostgresSchema()
    settings = schema.settings(tmp_path)
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine)
        load_directory(engine)
        load_missions_world(engine, vocabularies)
        yield settings.database_url, engine
    finally:
        engine.dispose()
        schema.drop()


def token_of(engine: Engine, username: str) -> dict[str, str]:
    with Session(engine) as session, session.begin():
        user = user_by_name(session, username)
        assert user is not None
        return {"Authorization": f"Bearer {issue_token(session, user=user, actor='test')}"}


def test_a_withdrawn_share_is_gone_in_the_other_process(plans_database: tuple[str, Engine], tmp_path: Path) -> None:
    url, engine = plans_database
    with Session(engine) as session, session.begin():
        host = viewer(session, "focal.xa")
        share_plan(session, viewer=host, plan=plan_for(session, host, "XA"), providers=["NSAP"], by="focal.xa",
                   via="test")
    provider, focal = token_of(engine, "provider.nsap"), token_of(engine, "focal.xa")
    servers = [Server(database_url=url, data_dir=tmp_path / "a"), Server(database_url=url, data_dir=tmp_path / "b")]
    try:
        for server in servers:
            server.wait_ready()
        a, b = servers
        for server in (a, b):  # both have served the shared plan to the provider
            assert httpx.get(f"{server.url}/api/v1/plans/XA", headers=provider, timeout=60).status_code == 200
        withdrawn = httpx.post(f"{a.url}/api/v1/plans/XA/shares/withdrawal", json={}, headers=focal, timeout=60)
        assert withdrawn.status_code == 200, withdrawn.text
        for server in (b, a):
            assert httpx.get(f"{server.url}/api/v1/plans/XA", headers=provider, timeout=60).status_code == 404
            assert httpx.get(f"{server.url}/api/v1/plans/XA/export.csv", headers=provider,
                             timeout=60).status_code == 404
    finally:
        for server in servers:
            server.stop()
