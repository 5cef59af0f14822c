"""Settings: the one place that reads the environment (prefix `KB_`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_VOCABULARY_DIR = Path(__file__).resolve().parent / "vocabularies"


class Settings(BaseSettings):
    """Configuration of one knowledge-base process."""

    model_config = SettingsConfigDict(env_prefix="KB_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="sqlite:///./kb.db",
        description="SQLAlchemy URL: sqlite:///path/to.db (default) or postgresql://user@host/db",
    )
    data_dir: Path = Field(default=Path("./data"), description="Where index files (the cache) live")
    vocabulary_dir: Path = Field(default=PACKAGE_VOCABULARY_DIR, description="Folder of vocabulary files")
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="'all-MiniLM-L6-v2' (bundled) or a path to a local sentence-transformers model folder",
    )
    embed_batch_size: int = 64
    passage_words: int = Field(default=160, description="Target length of an embedded passage, in words")
    query_cache_size: int = 1024
    min_similarity: float = Field(
        default=0.3, description="Dense cosine below which a practice does not count as matching a query"
    )
    secret_key: str = Field(default="dev-only-change-me", description="Signs session cookies; set in production")
    session_max_age: int = Field(default=8 * 3600, description="Seconds a sign-in lasts")
    secure_cookies: bool = Field(default=False, description="Send cookies only over HTTPS (set behind TLS)")
    login_attempts_per_minute: int = 10
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    test_postgres_url: str | None = Field(
        default=None, description="PostgreSQL server the test suite uses (each run in its own schema)"
    )

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres(cls, value: str) -> str:
        """Use the psycopg 3 driver for plain postgresql:// URLs."""
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings read from the environment."""
    return Settings()
