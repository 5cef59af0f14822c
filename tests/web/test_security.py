"""Nothing may keep an answer: no-store on every dynamic answer, Vary on what answers differ by; no forged key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kb.config import DEMO_KEY_FILE, ConfigurationError, Settings
from web.app import create_app

DYNAMIC = ["/", "/browse", "/signin", "/api/v1/search?q=fuel", "/api/v1/topics", "/practices/NO-SUCH-ID",
           "/api/v1/practices/NO-SUCH-ID"]


@pytest.mark.parametrize("path", DYNAMIC)
def test_no_dynamic_answer_may_be_stored_by_any_cache(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["cache-control"] == "no-store", path
    vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
    assert {"cookie", "authorization", "hx-request"} <= vary, path


def test_answers_to_a_signed_in_viewer_are_not_stored_either(signed_in: Callable[[str], TestClient],
                                                             public_ids: dict[str, str]) -> None:
    client = signed_in("reader.xb")
    for path in ("/", f"/practices/{public_ids['GP-RAD-001']}", f"/api/v1/practices/{public_ids['GP-RAD-001']}"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store", path


def test_the_apps_own_static_files_may_be_cached(client: TestClient) -> None:
    response = client.get("/static/app.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("cache-control", "")


@pytest.mark.parametrize("key", ["", "dev-only-change-me", "short"])
def test_the_app_refuses_to_start_with_no_key_or_a_known_one(tmp_path: Path, key: str) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'kb.db'}", data_dir=tmp_path / "data", secret_key=key)
    with pytest.raises(ConfigurationError, match="KB_SECRET_KEY"):
        create_app(settings)


def test_demo_mode_generates_one_key_once_and_keeps_it(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'kb.db'}", data_dir=tmp_path / "data", demo=True)
    first = settings.session_key()
    assert len(first) >= 48 and (tmp_path / "data" / DEMO_KEY_FILE).stat().st_mode & 0o077 == 0
    assert settings.session_key() == first
