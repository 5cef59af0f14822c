"""A private copy of the demo database for tests that write, so the shared demo stays read-only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kb.config import Settings
from tests.factories import settings_for


def copy_demo(demo_settings: Settings, folder: Path) -> Settings:
    """Copy the demo SQLite database into `folder` and return settings that use the copy."""
    source = demo_settings.database_url.removeprefix("sqlite:///")
    target = folder / "kb.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return settings_for(f"sqlite:///{target}", folder)
