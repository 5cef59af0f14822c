"""Database tables of the knowledge base (SQLModel)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class Kind(StrEnum):
    good_practice = "good_practice"
    country_practice = "country_practice"


class Status(StrEnum):
    draft = "draft"
    pending = "pending"
    published = "published"
    withdrawn = "withdrawn"


class Scope(StrEnum):
    host_only = "host_only"
    networks = "networks"
    public = "public"


class Attribution(StrEnum):
    named = "named"
    anonymous = "anonymous"


class Role(StrEnum):
    reader = "reader"
    focal_point = "focal_point"
    curator = "curator"
    admin = "admin"


SECRETARIAT_ROLES = frozenset({Role.curator, Role.admin})


class State(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=2)
    name: str = Field(max_length=120)


class Network(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class StateNetwork(SQLModel, table=True):
    """A state participating in a network."""

    __tablename__ = "state_network"
    state_code: str = Field(foreign_key="state.code", primary_key=True)
    network_id: int = Field(foreign_key="network.id", primary_key=True, index=True)


class UserNetwork(SQLModel, table=True):
    """A user admitted to a network directly, whatever their state."""

    __tablename__ = "user_network"
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    network_id: int = Field(foreign_key="network.id", primary_key=True, index=True)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=64)
    full_name: str = Field(default="", max_length=200)
    role: Role = Field(default=Role.reader, sa_type=String(16))
    state_code: str | None = Field(default=None, foreign_key="state.code", index=True)
    password_hash: str = Field(default="", max_length=255)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class Practice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True, index=True, max_length=80)
    kind: Kind = Field(sa_type=String(24), index=True)
    title: str = Field(max_length=300)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    host_state_code: str = Field(foreign_key="state.code", index=True)
    source_type: str = Field(max_length=40)
    source_year: int = Field(index=True)
    source_reference: str = Field(default="", max_length=300)
    language: str = Field(default="en", max_length=8)
    references: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: Status = Field(default=Status.pending, sa_type=String(16), index=True)
    content_hash: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PracticeTag(SQLModel, table=True):
    """One controlled-vocabulary tag on a practice (domain, sector or topic)."""

    __tablename__ = "practice_tag"
    practice_id: int = Field(foreign_key="practice.id", primary_key=True, ondelete="CASCADE")
    vocabulary: str = Field(primary_key=True, max_length=32)
    term: str = Field(primary_key=True, max_length=64)

    __table_args__ = (Index("ix_practice_tag_term", "vocabulary", "term"),)


class Authorisation(SQLModel, table=True):
    """The host's consent for one practice; a new decision supersedes, nothing is overwritten."""

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    scope: Scope = Field(sa_type=String(16))
    attribution: Attribution = Field(default=Attribution.named, sa_type=String(16))
    granted_by: str = Field(default="", max_length=200)
    granted_at: datetime = Field(default_factory=utcnow)
    note: str = Field(default="", max_length=1000)
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = Field(default=None, max_length=200)
    superseded_at: datetime | None = None

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None and self.superseded_at is None


class AuthorisationNetwork(SQLModel, table=True):
    """A network named by an authorisation with scope `networks`."""

    __tablename__ = "authorisation_network"
    authorisation_id: int = Field(foreign_key="authorisation.id", primary_key=True, ondelete="CASCADE")
    network_id: int = Field(foreign_key="network.id", primary_key=True, index=True)


class Passage(SQLModel, table=True):
    """One embedded passage of a practice: the text and its vector, stored with the model that made it."""

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    position: int = 0
    text: str = Field(sa_column=Column(Text, nullable=False))
    model: str = Field(max_length=200)
    dim: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))

    __table_args__ = (UniqueConstraint("practice_id", "position", name="uq_passage_position"),)


class ChangeLog(SQLModel, table=True):
    """Monotonic sequence of changes that caches in every process catch up from."""

    __tablename__ = "change_log"
    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    object_type: str = Field(max_length=32)
    object_id: str = Field(default="", max_length=80)


class AuditEvent(SQLModel, table=True):
    """Append-only record of who did what to which object (no update or delete path exists)."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=64, index=True)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(max_length=32, index=True)
    object_id: str = Field(default="", max_length=80, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


def as_date(value: date | datetime | None) -> datetime | None:
    """Turn a date into a midnight datetime (UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)
