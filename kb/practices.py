"""Writing practices: upsert from a record, idempotently, with its tags and authorisation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert
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


def snapshot(session: Session, practice: Practice, tags: dict[str, list[str]] | None = None) -> dict[str, object]:
    """Return the audit view of a practice: its fields and tags (read from the database unless given)."""
    skip = {"content_hash", "created_at", "updated_at"}
    data: dict[str, object] = {
        name: str(value) if isinstance(value, StrEnum) else value
        for name in Practice.model_fields
        if name not in skip and not isinstance(value := getattr(practice, name), datetime)
    }
    data["tags"] = tags if tags is not None else tags_of(session, practice.id or 0)
    return data


def tags_of(session: Session, practice_id: int) -> dict[str, list[str]]:
    """Return a practice's tags by vocabulary."""
    rows = session.exec(
        select(PracticeTag.vocabulary, PracticeTag.term).where(PracticeTag.practice_id == practice_id)
    ).all()
    return tags_by_vocabulary(rows)


def tags_by_vocabulary(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Group (vocabulary, term) rows into sorted term lists, one per tag vocabulary."""
    tags: dict[str, list[str]] = {name: [] for name in TAG_VOCABULARIES}
    for vocabulary, term in rows:
        tags.setdefault(vocabulary, []).append(term)
    return {name: sorted(terms) for name, terms in tags.items()}


def upsert_practice(session: Session, *, record: PracticeRecord, actor: str) -> tuple[Outcome, Practice]:
    """Insert or update the practice with the record's external id; leave it alone when nothing changed."""
    return upsert_practices(session, records=[record], actor=actor)[0]


def upsert_practices(
    session: Session, *, records: Sequence[PracticeRecord], actor: str
) -> list[tuple[Outcome, Practice]]:
    """Upsert several records (distinct ids) as `upsert_practice` does one, with a few statements for all."""
    if len({r.id for r in records}) != len(records):
        raise ValueError("upsert_practices needs records with distinct ids")
    existing = _practices_by_external_id(session, [r.id for r in records])
    results: list[tuple[Outcome, Practice]] = []
    pending: list[tuple[PracticeRecord, Practice, Outcome, dict[str, object] | None]] = []
    for record in records:
        digest = record_hash(record)
        practice = existing.get(record.id)
        if practice is not None and practice.content_hash == digest:
            results.append((Outcome.unchanged, practice))
            continue
        if practice is None:
            outcome, before = Outcome.added, None
            practice = _new_practice(record, digest)
        else:
            outcome, before = Outcome.updated, snapshot(session, practice)
            _copy_record(practice, record, digest)
        session.add(practice)
        pending.append((record, practice, outcome, before))
        results.append((outcome, practice))
    if not pending:
        return results
    session.flush()  # one INSERT for every new practice; assigns their ids
    fresh = {practice.id for _, practice, outcome, _ in pending if outcome == Outcome.added}
    _replace_tags(session, [(practice.id or 0, record.tags()) for record, practice, _, _ in pending], fresh=fresh)
    for record, practice, outcome, before in pending:
        if record.authorisation is not None:
            _apply_recorded_authorisation(session, practice=practice, given=record.authorisation, actor=actor,
                                          new=outcome == Outcome.added)
        audit.record(
            session,
            actor=actor,
            action=f"practice.{outcome.value}",
            object_type="practice",
            object_id=practice.external_id,
            before=before,
            after=snapshot(session, practice, _stored_tags(record.tags())),
        )
    return results


def _practices_by_external_id(session: Session, external_ids: list[str]) -> dict[str, Practice]:
    found: dict[str, Practice] = {}
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start : start + 500]
        for practice in session.exec(select(Practice).where(Practice.external_id.in_(chunk))):  # type: ignore[attr-defined]
            found[practice.external_id] = practice
    return found


def _new_practice(record: PracticeRecord, digest: str) -> Practice:
    # Every field given: SQLModel's default factories are slow enough to matter at ingest rates.
    now = utcnow()
    return Practice(
        external_id=record.id, kind=record.kind, title=record.title, summary=record.summary, body=record.body,
        host_state_code=record.host_state, source_type=record.source.type, source_year=record.source.year,
        source_reference=record.source.reference, language=record.language, references=list(record.references),
        status=record.status, content_hash=digest, created_at=now, updated_at=now,
    )


def _copy_record(practice: Practice, record: PracticeRecord, digest: str) -> None:
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


def _stored_tags(tags: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return the tags as `tags_of` reads them back after `set_tags` stored them."""
    return tags_by_vocabulary((vocabulary, term) for vocabulary, terms in tags.items() for term in set(terms))


def set_tags(session: Session, *, practice_id: int, tags: dict[str, list[str]]) -> None:
    """Replace a practice's tags."""
    _replace_tags(session, [(practice_id, tags)], fresh=set())


def _replace_tags(
    session: Session, tags_of_practices: list[tuple[int, dict[str, list[str]]]], *, fresh: set[int | None]
) -> None:
    """Replace the tags of several practices; `fresh` ones were just inserted, so have none to delete."""
    for practice_id, _ in tags_of_practices:
        if practice_id not in fresh:
            session.exec(delete(PracticeTag).where(PracticeTag.practice_id == practice_id))  # type: ignore[call-overload]
    rows = [
        {"practice_id": practice_id, "vocabulary": vocabulary, "term": term}
        for practice_id, tags in tags_of_practices
        for vocabulary, terms in tags.items()
        for term in dict.fromkeys(terms)
    ]
    if rows:
        session.execute(insert(PracticeTag), rows)
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
    session: Session, *, practice: Practice, given: AuthorisationIn, actor: str, new: bool = False
) -> None:
    """Record the authorisation a file states, unless it is the decision already on record."""
    history = [] if new else authorisation_history(session, practice.id or 0)
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
