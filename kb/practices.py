"""Writing practices: upsert from a record, idempotently, with its tags and authorisation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert
from sqlmodel import Session, col, delete, select

from kb import audit
from kb.authorisations import StatedDecision, apply_recorded, has_decisions
from kb.db import in_chunks
from kb.errors import Conflict
from kb.models import Practice, PracticeTag, Status, new_public_id, utcnow
from kb.records import AuthorisationIn, PracticeRecord
from kb.vocabulary import TAG_VOCABULARIES


class Outcome(StrEnum):
    added = "added"
    updated = "updated"
    unchanged = "unchanged"


class RecordRefused(Conflict):
    """A record that would override what is on record (a host's decision, the host itself); names the record."""

    def __init__(self, record_id: str, field: str, message: str) -> None:
        super().__init__(message)
        self.record_id = record_id
        self.field = field


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


def upsert_practice(
    session: Session, *, record: PracticeRecord, actor: str, origin: str = "record"
) -> tuple[Outcome, Practice]:
    """Insert or update the practice with the record's external id; leave it alone when nothing changed."""
    return upsert_practices(session, records=[record], actor=actor, origins={record.id: origin})[0]


def stated_decision(given: AuthorisationIn) -> StatedDecision:
    """Return the decision a record's `authorisation` states."""
    return StatedDecision(scope=given.scope, networks=list(given.networks), attribution=given.attribution,
                          granted_by=given.granted_by, granted_at=given.granted_at, withdrawn_at=given.withdrawn_at)


def upsert_practices(
    session: Session, *, records: Sequence[PracticeRecord], actor: str, origins: dict[str, str] | None = None
) -> list[tuple[Outcome, Practice]]:
    """Upsert several records (distinct ids) as `upsert_practice` does one, with a few statements for all.

    `origins` says where each record came from ("file nuclear.yaml, line 14"), for the decision history. A record
    that would override a host's decision or move a decided practice to another host raises `RecordRefused`.
    """
    if len({r.id for r in records}) != len(records):
        raise ValueError("upsert_practices needs records with distinct ids")
    origins = origins or {}
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
            _refuse_moving_a_decided_practice(session, practice, record)
            _copy_record(practice, record, digest, host_decided=has_decisions(session, practice))
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
            try:
                apply_recorded(session, practice=practice, stated=stated_decision(record.authorisation),
                               actor=actor, origin=origins.get(record.id, "record"))
            except Conflict as exc:
                raise RecordRefused(record.id, "authorisation", exc.message) from exc
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
    for chunk in in_chunks(external_ids):
        for practice in session.exec(select(Practice).where(col(Practice.external_id).in_(chunk))):
            found[practice.external_id] = practice
    return found


def _refuse_moving_a_decided_practice(session: Session, practice: Practice, record: PracticeRecord) -> None:
    """The host's decisions belong to its practice: a practice the host decided on cannot move to another host."""
    if record.host_state != practice.host_state_code and has_decisions(session, practice):
        raise RecordRefused(
            record.id, "host_state",
            f"the practice is hosted by {practice.host_state_code}, whose decisions on sharing it are on record; "
            f"it cannot move to {record.host_state}. Give the entry about {record.host_state} its own id",
        )


def _new_practice(record: PracticeRecord, digest: str) -> Practice:
    # Every field given: SQLModel's default factories are slow enough to matter at ingest rates.
    now = utcnow()
    return Practice(
        public_id=new_public_id(), external_id=record.id, kind=record.kind, title=record.title,
        summary=record.summary, body=record.body,
        host_state_code=record.host_state, source_type=record.source.type, source_year=record.source.year,
        source_reference=record.source.reference, language=record.language, references=list(record.references),
        status=record.status, content_hash=digest, created_at=now, updated_at=now,
        submitted_at=now if record.status == Status.pending else None,
    )


def _copy_record(practice: Practice, record: PracticeRecord, digest: str, *, host_decided: bool) -> None:
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
    now = utcnow()
    if not (record.status == Status.pending and host_decided):  # "awaiting the host" is moot once it decided
        if record.status == Status.pending and practice.status != Status.pending:
            practice.submitted_at = now
        practice.status = record.status
    practice.content_hash = digest
    practice.updated_at = now


def _stored_tags(tags: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return the tags as `tags_of` reads them back after `set_tags` stored them."""
    return tags_by_vocabulary((vocabulary, term) for vocabulary, terms in tags.items() for term in set(terms))


def _replace_tags(
    session: Session, tags_of_practices: list[tuple[int, dict[str, list[str]]]], *, fresh: set[int | None]
) -> None:
    """Replace the tags of several practices; `fresh` ones were just inserted, so have none to delete."""
    for practice_id, _ in tags_of_practices:
        if practice_id not in fresh:
            session.execute(delete(PracticeTag).where(col(PracticeTag.practice_id) == practice_id))
    rows = [
        {"practice_id": practice_id, "vocabulary": vocabulary, "term": term}
        for practice_id, tags in tags_of_practices
        for vocabulary, terms in tags.items()
        for term in dict.fromkeys(terms)
    ]
    if rows:
        session.execute(insert(PracticeTag), rows)
    session.flush()
