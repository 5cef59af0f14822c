"""Two real server processes on one PostgreSQL database: a change made anywhere is respected everywhere."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fixtures import PRACTICES
from fixtures.load import load_directory
from index.embedder import Embedder
from kb import migrate
from kb.accounts import issue_token, save_user, user_by_name
from kb.authorisations import withdraw
from kb.config import Settings
from kb.db import make_engine
from kb.models import Authorisation, Practice, Role
from tests.conftest import PostgresSchema
from tests.factories import public_id_of
from tests.ingest.helpers import run_ingest
from tests.settings import TEST_SECRET_KEY

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SOURCES = PRACTICES / "sources_transport.jsonl"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One `kb serve` process (with its own data folder) on a free port."""

    def __init__(self, *, database_url: str, data_dir: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.with_suffix(".log")
        env = {**os.environ, "KB_DATABASE_URL": database_url, "KB_DATA_DIR": str(data_dir),
               "KB_LOG_LEVEL": "WARNING", "KB_SECRET_KEY": TEST_SECRET_KEY}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "serve", "--port", str(self.port), "--workers", str(workers)],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )

    def wait_ready(self, seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/api/v1/search", timeout=30).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.5)
        raise AssertionError(f"server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def shared_database(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[Settings, Engine]]:
    """A PostgreSQL schema holding the directory and the source/transport practices."""
    schema = PostgresSchema()
    settings = schema.settings(tmp_path)
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine)
        load_directory(engine)
        assert run_ingest(engine, embedder, SOURCES).ok
        yield settings, engine
    finally:
        engine.dispose()
        schema.drop()


@pytest.fixture
def two_servers(shared_database: tuple[Settings, Engine], tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Server A (two uvicorn workers) and server B (one process), each with its own data folder."""
    settings, _ = shared_database
    servers = [Server(database_url=settings.database_url, data_dir=tmp_path / "a", workers=2),
               Server(database_url=settings.database_url, data_dir=tmp_path / "b")]
    try:
        for server in servers:
            server.wait_ready()
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


def search_ids(server: Server, query: str, token: str | None = None) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{server.url}/api/v1/search", params={"q": query, "limit": 50}, headers=headers,
                         timeout=60)
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["results"]]


def status_of(server: Server, external_id: str, token: str) -> int:
    response = httpx.get(f"{server.url}/api/v1/practices/{external_id}",
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return response.status_code


def test_a_withdrawal_and_an_edit_reach_the_other_process(
    shared_database: tuple[Settings, Engine], two_servers: tuple[Server, Server], embedder: Embedder,
    tmp_path: Path,
) -> None:
    _, engine = shared_database
    a, b = two_servers
    with Session(engine) as session, session.begin():
        reader = user_by_name(session, "reader.xb")
        assert reader is not None
        token = issue_token(session, user=reader, actor="test")
        door, quokka = public_id_of(session, "GP-RAD-001"), public_id_of(session, "GP-RAD-002")
    query = "contractors keep propping open the fire door to the source store"
    for server in (a, b):  # both warm their caches with the practice visible (RSSN shares it with XB)
        assert search_ids(server, query, token)[0] == door
        assert status_of(server, door, token) == 200

    with Session(engine) as session, session.begin():  # the host withdraws, through A's database
        practice = session.exec(select(Practice).where(Practice.external_id == "GP-RAD-001")).one()
        withdraw(session, practice=practice, by="focal.xn", via="test")
    for server in (b, a, a):
        assert door not in search_ids(server, query, token)
        assert status_of(server, door, token) == 404

    assert search_ids(b, "quokka")[:1] != [quokka]
    changed = tmp_path / "edit.jsonl"
    for line in SOURCES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == "GP-RAD-002":
            record["title"] = "Quokka-graded inspection frequency for sealed source licensees"
            changed.write_text(json.dumps(record), encoding="utf-8")
    report = run_ingest(engine, embedder, changed)
    assert (report.updated, report.unchanged) == (1, 0)
    for server in (b, a):
        found = httpx.get(f"{server.url}/api/v1/search", params={"q": "quokka"}, timeout=60).json()
        assert found["results"][0]["id"] == quokka
        assert found["results"][0]["title"].startswith("Quokka-graded")

    for server in (a, b):  # each saves its index on the way out; two workers share A's folder
        server.stop()
        assert "Traceback" not in server.log.read_text()
    for folder in ("a", "b"):
        data = tmp_path / folder / "index"
        manifest = json.loads((data / "manifest.json").read_text())
        assert (data / manifest["index_file"]).exists()
        assert not list(data.glob("*.tmp"))


def decide_from(server: Server, token: str, practice: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/practices/{practice}/authorisations", json=body,
                      headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_decisions_across_two_processes_stay_one_and_a_file_through_the_other_keeps_them(
    shared_database: tuple[Settings, Engine], two_servers: tuple[Server, Server], tmp_path: Path,
) -> None:
    """The review's two breaks, across processes: a double submit to A and B, and a re-ingest through B."""
    _, engine = shared_database
    a, b = two_servers
    with Session(engine) as session, session.begin():
        # Norvale (XN) hosts GP-RAD-001; the demo has no focal point for it, so the test appoints one
        focal = save_user(session, username="focal.xn", role=Role.focal_point, state_code="XN",
                          full_name="Focal Point of Norvale", password="focal-xn-password", actor="test")
        curator = user_by_name(session, "curator")
        assert curator is not None
        focal_token = issue_token(session, user=focal, actor="test")
        curator_token = issue_token(session, user=curator, actor="test")
        practice = session.exec(select(Practice).where(Practice.external_id == "GP-RAD-001")).one()
        door, version, practice_id = practice.public_id, practice.decision_version, practice.id

    bodies = [{"scope": "public", "attribution": "named", "based_on": version},
              {"scope": "public", "attribution": "anonymous", "based_on": version}]
    with ThreadPoolExecutor(max_workers=12) as pool:  # a double click in two tabs, twelve times over
        answers = list(pool.map(lambda n: decide_from((a, b)[n % 2], focal_token, door, bodies[n % 2]), range(12)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 11, [r.text for r in answers]
    conflict = next(r for r in answers if r.status_code == 409).json()
    assert "Now in force: Shared with everyone (public)" in conflict["detail"]
    assert conflict["current"]["version"] == version + 1
    with Session(engine) as session:
        rows = session.exec(select(Authorisation).where(Authorisation.practice_id == practice_id,
                                                        col(Authorisation.withdrawn_at).is_(None),
                                                        col(Authorisation.superseded_at).is_(None))).all()
        assert len(rows) == 1

    withdrawn = httpx.post(f"{a.url}/api/v1/practices/{door}/withdrawal",
                           headers={"Authorization": f"Bearer {focal_token}"}, timeout=60)
    assert withdrawn.status_code == 200, withdrawn.text
    record = next(json.loads(line) for line in SOURCES.read_text(encoding="utf-8").splitlines()
                  if json.loads(line)["id"] == "GP-RAD-001")
    record["summary"] += " (Typo fixed.)"
    fixed = json.dumps(record).encode()
    curator_headers = {"Authorization": f"Bearer {curator_token}"}
    again = httpx.post(f"{b.url}/api/v1/ingest", headers=curator_headers, timeout=120,
                       files={"file": ("sources.jsonl", fixed, "application/x-ndjson")})
    assert again.status_code == 200 and again.json()["updated"] == 1, again.text
    for server in (a, b):
        assert httpx.get(f"{server.url}/api/v1/practices/{door}", timeout=60).status_code == 404
    record["authorisation"] = {**record["authorisation"], "attribution": "anonymous"}
    older = httpx.post(f"{b.url}/api/v1/ingest", headers=curator_headers, timeout=120,
                       files={"file": ("sources.jsonl", json.dumps(record).encode(), "application/x-ndjson")})
    assert older.status_code == 422
    problem = older.json()["problems"][0]
    assert problem["record_id"] == "GP-RAD-001" and problem["field"] == "authorisation"
    assert "withdrawn on" in problem["message"] and "focal.xn" in problem["message"]
    for server in (a, b):
        assert httpx.get(f"{server.url}/api/v1/practices/{door}", timeout=60).status_code == 404
