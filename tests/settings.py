"""The test suite's own settings (prefix KB_TEST_): they never reach the product's settings object."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class TestSettings(BaseSettings):
    """Where the suite's real services are."""

    __test__ = False  # not a test class
    model_config = SettingsConfigDict(env_prefix="KB_TEST_", env_file=None, extra="ignore")

    postgres_url: str = "postgresql://postgres@127.0.0.1:5432/test"


TEST_SECRET_KEY = "test-only-session-key-0123456789abcdefghijklmnop"
