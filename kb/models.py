"""Database tables of the knowledge base (SQLModel)."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

PUBLIC_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud and typed without doubt
PUBLIC_ID_LENGTH = 12  # about 59 bits: unguessable, and it counts nothing
PUBLIC_ID_PATTERN = rf"^[{PUBLIC_ID_ALPHABET}]{{{PUBLIC_ID_LENGTH}}}$"


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def new_public_id() -> str:
    """Return a fresh opaque identifier for a practice: random, so that the ids a viewer sees count nothing."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


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


class DecisionKind(StrEnum):
    """A host's decision on sharing: a grant (of some scope), or a refusal to share beyond the host."""

    grant = "grant"
    refusal = "refusal"


class PassageVariant(StrEnum):
    """Which text a passage was made from: the entry as written, or as outsiders read an anonymous entry."""

    raw = "raw"
    redacted = "redacted"


class Role(StrEnum):
    reader = "reader"
    focal_point = "focal_point"
    curator = "curator"
    admin = "admin"
    provider = "provider"
    """A user of an assistance-provider organisation (kb.plan_shares): no state, sees only plans shared with it."""


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
    must_change_password: bool = False  # set by an administrator's reset: a new password before anything else


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class UserSession(SQLModel, table=True):
    """A sign-in: the cookie carries a random session id whose digest is kept here, so it can be ended."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ended_at: datetime | None = None
    ended_reason: str = Field(default="", max_length=64)


class Practice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, unique=True, index=True, max_length=16)
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
    decision_version: int = Field(default=0, description="Advanced by every sharing decision (kb.authorisations)")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = Field(default=None, description="When it last became pending the host's decision")


class PracticeTag(SQLModel, table=True):
    """One controlled-vocabulary tag on a practice (domain, sector or topic)."""

    __tablename__ = "practice_tag"
    practice_id: int = Field(foreign_key="practice.id", primary_key=True, ondelete="CASCADE")
    vocabulary: str = Field(primary_key=True, max_length=32)
    term: str = Field(primary_key=True, max_length=64)

    __table_args__ = (Index("ix_practice_tag_term", "vocabulary", "term"),)


IN_FORCE_CONDITION = "withdrawn_at IS NULL AND superseded_at IS NULL"


class Authorisation(SQLModel, table=True):
    """The host's consent for one practice; a new decision supersedes, nothing is overwritten.

    `granted_by` is on whose authority (the host's focal point, or the official named in a file); `entered_by`
    and `entered_via` are who recorded it and through what (the portal, the API, a file and its line).
    At most one decision is in force per practice: the database refuses a second (`uq_authorisation_in_force`).
    """

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True, ondelete="CASCADE")
    decision: DecisionKind = Field(default=DecisionKind.grant, sa_type=String(16))
    scope: Scope = Field(sa_type=String(16))
    attribution: Attribution = Field(default=Attribution.named, sa_type=String(16))
    granted_by: str = Field(default="", max_length=200)
    granted_at: datetime = Field(default_factory=utcnow)
    entered_by: str = Field(default="", max_length=64)
    entered_via: str = Field(default="", max_length=300)
    entered_at: datetime = Field(default_factory=utcnow)
    note: str = Field(default="", max_length=1000)
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = Field(default=None, max_length=200)
    withdrawal_entered_by: str | None = Field(default=None, max_length=64)
    withdrawal_entered_via: str | None = Field(default=None, max_length=300)
    superseded_at: datetime | None = None

    __table_args__ = (
        Index("uq_authorisation_in_force", "practice_id", unique=True,
              sqlite_where=text(IN_FORCE_CONDITION), postgresql_where=text(IN_FORCE_CONDITION)),
    )

    @property
    def refused(self) -> bool:
        return self.decision == DecisionKind.refusal

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
    variant: PassageVariant = Field(default=PassageVariant.raw, sa_type=String(16))
    terms_digest: str = Field(default="", max_length=32, description="Identifying terms a redacted passage used")
    position: int = 0
    text: str = Field(sa_column=Column(Text, nullable=False))
    model: str = Field(max_length=200)
    dim: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))

    __table_args__ = (UniqueConstraint("practice_id", "variant", "position", name="uq_passage_position"),)


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


# -- review missions, their findings and improvement plans (kb.missions, kb.plans) ----------------------------
# (tables of the missions-and-plans capability go here)


class MissionStatus(StrEnum):
    planned = "planned"
    conducted = "conducted"
    report_issued = "report_issued"
    closed = "closed"


class FindingKind(StrEnum):
    recommendation = "recommendation"
    suggestion = "suggestion"
    good_practice = "good_practice"


NEED_KINDS = frozenset({FindingKind.recommendation, FindingKind.suggestion})


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class ItemStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    closed_on_progress = "closed_on_progress"
    dropped = "dropped"


OPEN_ITEM_STATUSES = frozenset({ItemStatus.open, ItemStatus.in_progress})


class StatusSource(StrEnum):
    self_reported = "self_reported"
    review = "review"


class Mark(StrEnum):
    """What a focal point decided about a practice matched to a plan item."""

    adopt = "adopt"
    consider = "consider"


class Mission(SQLModel, table=True):
    """A review mission hosted by one state; confidential to the host and the secretariat (kb.visibility)."""

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(unique=True, index=True, max_length=80)
    host_state_code: str = Field(foreign_key="state.code", index=True)
    type: str = Field(max_length=40)
    title: str = Field(max_length=300)
    start_date: date
    end_date: date
    reference: str = Field(default="", max_length=300)
    status: MissionStatus = Field(sa_type=String(16))
    scope: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    follows_id: int | None = Field(default=None, foreign_key="mission.id")
    summary: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Finding(SQLModel, table=True):
    """One numbered conclusion of a mission report; recommendations and suggestions never leave the host."""

    id: int | None = Field(default=None, primary_key=True)
    mission_id: int = Field(foreign_key="mission.id", index=True, ondelete="CASCADE")
    position: int = 0
    number: str = Field(max_length=20)
    kind: FindingKind = Field(sa_type=String(16), index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    domain: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sector: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    topic: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    functional_area: str | None = Field(default=None, max_length=64)
    practice_id: int | None = Field(default=None, foreign_key="practice.id", unique=True)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))

    __table_args__ = (UniqueConstraint("mission_id", "number", name="uq_finding_number"),)


class Provider(SQLModel, table=True):
    """An assistance-provider organisation: a kind of member that a state may share its plan with."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=32)
    name: str = Field(max_length=200)


class ProviderUser(SQLModel, table=True):
    """A user who works for an assistance provider."""

    __tablename__ = "provider_user"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    provider_id: int = Field(foreign_key="provider.id", primary_key=True, index=True, ondelete="CASCADE")


class Plan(SQLModel, table=True):
    """A state's confidential improvement plan (one per state); its versions hold the items."""

    id: int | None = Field(default=None, primary_key=True)
    state_code: str = Field(foreign_key="state.code", unique=True)
    decision_version: int = Field(default=0, description="Advanced by every sharing decision (kb.plan_shares)")
    created_at: datetime = Field(default_factory=utcnow)


class PlanVersion(SQLModel, table=True):
    __tablename__ = "plan_version"
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    version: int
    title: str = Field(max_length=300)
    started: date

    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_plan_version"),)


class PlanItem(SQLModel, table=True):
    """One need in a plan version: from a finding, or entered directly (a self-assessment)."""

    __tablename__ = "plan_item"
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="plan_version.id", index=True, ondelete="CASCADE")
    position: int = 0
    finding_id: int | None = Field(default=None, foreign_key="finding.id", index=True)
    carried_from_id: int | None = Field(default=None, foreign_key="plan_item.id")
    functional_area: str = Field(max_length=64)
    description: str = Field(sa_column=Column(Text, nullable=False))
    priority: Priority = Field(sa_type=String(4))
    responsible: str = Field(max_length=300)
    due: date | None = None
    status: ItemStatus = Field(default=ItemStatus.open, sa_type=String(24))
    status_source: StatusSource = Field(default=StatusSource.self_reported, sa_type=String(16))
    assistance_requested: bool = False
    assistance_from: str = Field(default="", max_length=300)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: datetime = Field(default_factory=utcnow)


class PlanItemChange(SQLModel, table=True):
    """One change to a plan item: who, when, the fields before and after (kept, never overwritten)."""

    __tablename__ = "plan_item_change"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="plan_item.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow)
    by: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class PlanItemPractice(SQLModel, table=True):
    """A practice a focal point marked 'adopt' or 'consider' for a plan item."""

    __tablename__ = "plan_item_practice"
    item_id: int = Field(foreign_key="plan_item.id", primary_key=True, ondelete="CASCADE")
    practice_id: int = Field(foreign_key="practice.id", primary_key=True, ondelete="CASCADE")
    mark: Mark = Field(sa_type=String(16))
    marked_by: str = Field(max_length=64)
    marked_at: datetime = Field(default_factory=utcnow)


PLAN_SHARE_IN_FORCE = "withdrawn_at IS NULL AND superseded_at IS NULL"


class PlanShare(SQLModel, table=True):
    """A state's decision to share its plan (whole, or chosen items) read only; history like an authorisation.

    At most one share is in force per plan: the database refuses a second (`uq_plan_share_in_force`).
    """

    __tablename__ = "plan_share"
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    whole_plan: bool = True
    granted_by: str = Field(max_length=64)
    granted_at: datetime = Field(default_factory=utcnow)
    entered_via: str = Field(default="", max_length=300)
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = Field(default=None, max_length=64)
    superseded_at: datetime | None = None

    __table_args__ = (
        Index("uq_plan_share_in_force", "plan_id", unique=True,
              sqlite_where=text(PLAN_SHARE_IN_FORCE), postgresql_where=text(PLAN_SHARE_IN_FORCE)),
    )

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None and self.superseded_at is None


class PlanShareNetwork(SQLModel, table=True):
    __tablename__ = "plan_share_network"
    share_id: int = Field(foreign_key="plan_share.id", primary_key=True, ondelete="CASCADE")
    network_id: int = Field(foreign_key="network.id", primary_key=True, index=True)


class PlanShareProvider(SQLModel, table=True):
    __tablename__ = "plan_share_provider"
    share_id: int = Field(foreign_key="plan_share.id", primary_key=True, ondelete="CASCADE")
    provider_id: int = Field(foreign_key="provider.id", primary_key=True, index=True)


class PlanShareItem(SQLModel, table=True):
    """An item chosen by a share that is not of the whole plan."""

    __tablename__ = "plan_share_item"
    share_id: int = Field(foreign_key="plan_share.id", primary_key=True, ondelete="CASCADE")
    item_id: int = Field(foreign_key="plan_item.id", primary_key=True, index=True, ondelete="CASCADE")


# -- saved searches, followed topics, alerts and their deliveries (kb.alerts) --------------------------------
# (tables of the alerts capability go here)


class AlertKind(StrEnum):
    """What an alert watches: a saved search, a followed topic, or (for focal points and the secretariat) decisions."""

    search = "search"
    topic = "topic"
    awaiting_decision = "awaiting_decision"  # a focal point: practices of their state waiting for the host
    host_decided = "host_decided"  # the secretariat: a host decided on sharing


class Frequency(StrEnum):
    asap = "asap"
    daily = "daily"
    weekly = "weekly"
    paused = "paused"


NOTICE_CONDITION = "kind IN ('awaiting_decision', 'host_decided')"


class Alert(SQLModel, table=True):
    """A saved search or followed topic of one user, delivered by e-mail and readable as a feed."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, unique=True, index=True, max_length=16)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: AlertKind = Field(default=AlertKind.search, sa_type=String(24))
    name: str = Field(max_length=200)
    query: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    frequency: Frequency = Field(default=Frequency.daily, sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow)
    last_delivered_at: datetime | None = None
    seen_event_id: int = Field(default=0, description="Decision notices: the last audit event already considered")

    __table_args__ = (  # one decision-notice alert per person, even when several senders make them at once
        Index("uq_alert_notice", "user_id", "kind", unique=True,
              sqlite_where=text(NOTICE_CONDITION), postgresql_where=text(NOTICE_CONDITION)),
    )


class AlertAnnounced(SQLModel, table=True):
    """A practice already announced to an alert's recipient: "new" is what is visible and not in this set."""

    __tablename__ = "alert_announced"
    alert_id: int = Field(foreign_key="alert.id", primary_key=True, ondelete="CASCADE")
    practice_id: int = Field(foreign_key="practice.id", primary_key=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow)


class AlertDelivery(SQLModel, table=True):
    """One attempt to deliver an alert: to whom, which practices (public ids), when, and what the server said."""

    __tablename__ = "alert_delivery"
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int | None = Field(default=None, foreign_key="alert.id", index=True, ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="SET NULL")
    recipient: str = Field(max_length=320)
    alert_name: str = Field(max_length=200)
    practices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, index=True)
    result: str = Field(max_length=16, description="sent or failed")
    detail: str = Field(default="", max_length=1000)


class AlertProfile(SQLModel, table=True):
    """A user's alert settings: where mail goes, the key their feed token signs, decision notices on or off."""

    __tablename__ = "alert_profile"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    email: str = Field(default="", max_length=320)
    feed_key: str | None = Field(default=None, unique=True, index=True, max_length=64)
    decision_notices: bool = True
