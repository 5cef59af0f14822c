"""Settings: the one place that reads the environment (prefix `KB_`)."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    secret_key: str = Field(default="", description="Signs session cookies: a long random value, required to serve")
    demo: bool = Field(default=False, description="Demo mode: without a secret key, use one generated once in "
                                                  "the data folder")
    session_max_age: int = Field(default=8 * 3600, description="Seconds a sign-in lasts")
    secure_cookies: bool = Field(default=False, description="Send cookies only over HTTPS (set behind TLS)")
    login_attempts_per_minute: int = 10
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, description="Largest file accepted for ingest")
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    stat_min_states: int = Field(default=3, ge=1, description="Statistics: a cell is shown only when its practices "
                                                              "come from at least this many host states")
    stat_max_share: float = Field(default=70.0, gt=0, le=100, description="Statistics: and no one state "
                                                                          "contributes more than this % of it")
    smtp_host: str = Field(default="", description="SMTP server for alert mail; empty: `kb alerts send` refuses to run")
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(default="starttls", description="How to secure SMTP")
    mail_from: str = Field(default="", description="Sender address of alert mail, e.g. kb@secretariat.example")
    public_url: str = Field(default="http://127.0.0.1:8000", description="The portal's address, for links in mail")

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

    def session_key(self) -> str:
        """Return the key that signs session cookies; refuse to go on with none, or a known one, outside demo mode.

        In demo mode without a key, one is generated once into the data folder (readable by the owner only) and
        shared by every process of that folder.
        """
        if self.secret_key and self.secret_key not in KNOWN_KEYS and len(self.secret_key) >= 32:
            return self.secret_key
        if not self.demo:
            reason = "is not set" if not self.secret_key else "is a known or short value (use 32+ random characters)"
            raise ConfigurationError(
                f"KB_SECRET_KEY {reason}: anyone could forge a sign-in. Set it to a long random value, e.g. "
                "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`, or run `kb serve --demo` to "
                "serve the demo with a key generated in the data folder."
            )
        path = self.data_dir / DEMO_KEY_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{DEMO_KEY_FILE}.{os.getpid()}")
            tmp.write_text(secrets.token_urlsafe(48))
            tmp.chmod(0o600)
            try:
                os.link(tmp, path)  # the first process to get here wins; every process then reads its key
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        return path.read_text().strip()


KNOWN_KEYS = frozenset({"dev-only-change-me", "change-me", "secret", "changeme"})
DEMO_KEY_FILE = "secret_key"


class ConfigurationError(RuntimeError):
    """The process cannot start as configured; the message says what to set."""


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings read from the environment."""
    return Settings()
