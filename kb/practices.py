"""Writing practices: upsert from a record, idempotently, with its tags and authorisation."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, delete, select

from kb import audit
from kb.models import (
    Authorisation,
    AuthorisationNetwork,
    Network,
    Practice,
    PracticeTag,
    as_date,
    utcnow,
)
from kb.records import AuthorisationIn, PracticeRecord
from kb.vocabulary import TAG_VOCABULARIES


class Outcome(StrEnum):
    added = "added"
    updated = "updated"
    unchanged = "unchanged"


def record_hash(record: PracticeRecord) -> str:
    """Return a digest of everything a record says, to detect unchanged re-ingests."""
    payload = json.dumps(record.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def snapshot(session: Session, practice: Practice) -> dict[str, object]:
    """Return the audit view of a practice: its fields and tags."""
    skip = {"content_hash", "created_at", "updated_at"}
    data: dict[str, object] = {
        name: str(value) if isinstance(value, StrEnum) else value
        for name in Practice.model_fields
        if name not in skip and not isinstance(value := getattr(practice, name), datetime)
    }
    data["tags"] = tags_of(session, practice.id or 0)
    return data


def tags_of(session: Session, practice_id: int) -> dict[str, list[str]]:
    """Return a practice's tags by vocabulary."""
    tags: dict[str, list[str]] = {name: [] for name in TAG_VOCABULARIES}
    rows = session.exec(select(PracticeTag).where(PracticeTag.practice_id == practice_id)).all()
    for row in rows:
        tags.setdefault(row.vocabulary, []).append(row.term)
    return {name: sorted(terms) for name, terms in tags.items()}


def upsert_practice(session: Session, *, record: PracticeRecord, actor: str) -> tuple[Outcome, Practice]:
    """Insert or update the practice with the record's external id; leave it alone when nothing changed."""
    digest = record_hash(record)
    practice = session.exec(select(Practice).where(Practice.external_id == record.id)).first()
    if practice is not None and practice.content_hash == digest:
        return Outcome.unchanged, practice
    before = snapshot(session, practice) if practice is not None else None
    outcome = Outcome.added if practice is None else Outcome.updated
    practice = practice or Practice(external_id=record.id, kind=record.kind, title="", summary="",
                                    host_state_code=record.host_state, source_type="", source_year=0)
    practice.kind = record.kind
    practice.title = record.title
    practice.summary = record.summary
    practice.body = record.body
    practice.host_state_code = record.host_state
    practice.source_type = record.source.type
    practice.source_year = record.source.year
    practice.source_reference = record.source.reference
    practice.language = record.language
    practice.references = list(record.references)
    practice.status = record.status
    practice.content_hash = digest
    practice.updated_at = utcnow()
    session.add(practice)
    session.flush()
    assert practice.id is not None
    set_tags(session, practice_id=practice.id, tags=record.tags())
    if record.authorisation is not None:
        _apply_recorded_authorisation(session, practice=practice, given=record.authorisation, actor=actor)
    audit.record(
        session,
        actor=actor,
        action=f"practice.{outcome.value}",
        object_type="practice",
        object_id=practice.external_id,
        before=before,
        after=snapshot(session, practice),
    )
    return outcome, practice


def set_tags(session: Session, *, practice_id: int, tags: dict[str, list[str]]) -> None:
    """Replace a practice's tags."""
    session.exec(delete(PracticeTag).where(PracticeTag.practice_id == practice_id))  # type: ignore[call-overload]
    for vocabulary, terms in tags.items():
        for term in dict.fromkeys(terms):
            session.add(PracticeTag(practice_id=practice_id, vocabulary=vocabulary, term=term))
    session.flush()


def authorisation_history(session: Session, practice_id: int) -> list[Authorisation]:
    """Return every authorisation decision of a practice, newest first."""
    return list(
        session.exec(
            select(Authorisation)
            .where(Authorisation.practice_id == practice_id)
            .order_by(Authorisation.granted_at.desc(), Authorisation.id.desc())  # type: ignore[union-attr]
        )
    )


def network_codes_of(session: Session, authorisation_id: int) -> list[str]:
    """Return the codes of the networks an authorisation names."""
    return sorted(
        session.exec(
            select(Network.code)
            .join(AuthorisationNetwork, AuthorisationNetwork.network_id == Network.id)
            .where(AuthorisationNetwork.authorisation_id == authorisation_id)
        )
    )


def _same_decision(session: Session, current: Authorisation, given: AuthorisationIn) -> bool:
    return (
        current.scope == given.scope
        and current.attribution == given.attribution
        and network_codes_of(session, current.id or 0) == sorted(given.networks)
        and (current.withdrawn_at is None) == (given.withdrawn_at is None)
    )


def _apply_recorded_authorisation(
    session: Session, *, practice: Practice, given: AuthorisationIn, actor: str
) -> None:
    """Record the authorisation a file states, unless it is the decision already on record."""
    history = authorisation_history(session, practice.id or 0)
    latest = next((a for a in history if a.superseded_at is None), None)
    if latest is not None and _same_decision(session, latest, given):
        return
    from kb.authorisations import grant  # local import: authorisations imports this module

    granted = grant(
        session,
        practice=practice,
        scope=given.scope,
        network_codes=given.networks,
        attribution=given.attribution,
        by=given.granted_by or actor,
        at=as_date(given.granted_at),
        actor=actor,
    )
    if given.withdrawn_at is not None:
        granted.withdrawn_at = as_date(given.withdrawn_at)
        granted.withdrawn_by = given.granted_by or actor
        session.add(granted)
        session.flush()
