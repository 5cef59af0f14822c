"""Passages and their vectors in the database (the source of truth); embeds only what changed.

Every practice has its passages as written. A practice shared anonymously also has them as outsiders read it
(kb.anonymity: every state's identifying terms replaced), stamped with the digest of the terms used, so that a
change of the terms makes them stale rather than wrong. A redacted passage identical to its raw one reuses the
raw vector.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, delete, select

from index.embedder import Embedder
from index.passages import passage_texts
from kb.db import in_chunks
from kb.identifying import IdentifyingTerms, TermsSource
from kb.models import Passage, PassageVariant, Practice, PracticeTag
from kb.queries import anonymous_in_force
from kb.vocabulary import Vocabulary

Wanted = tuple[PassageVariant, str, str]  # variant, text, terms digest


def _labels_by_practice(
    session: Session, practice_ids: list[int], vocabularies: dict[str, Vocabulary]
) -> dict[int, list[str]]:
    """Return the labels of each practice's sector and topic tags, for passage context."""
    labels: dict[int, list[str]] = {}
    for chunk in in_chunks(practice_ids):
        rows = session.exec(
            select(PracticeTag.practice_id, PracticeTag.vocabulary, PracticeTag.term)
            .where(col(PracticeTag.practice_id).in_(chunk), PracticeTag.vocabulary != "domain")
            .order_by(col(PracticeTag.practice_id), col(PracticeTag.vocabulary), col(PracticeTag.term))
        )
        for practice_id, vocabulary, term in rows:
            if vocabulary in vocabularies:
                labels.setdefault(practice_id, []).append(vocabularies[vocabulary].label_of(term))
    return labels


def wanted_passages(practice: Practice, labels: list[str], words: int, terms: IdentifyingTerms | None) -> list[Wanted]:
    """Return the passages a practice should have: as written, and as outsiders read it when `terms` are given."""
    raw = passage_texts(title=practice.title, summary=practice.summary, body=practice.body, tag_labels=labels,
                        words=words)
    wanted: list[Wanted] = [(PassageVariant.raw, text, "") for text in raw]
    if terms is not None:
        redact = terms.redacted
        redacted = passage_texts(title=redact(practice.title), summary=redact(practice.summary),
                                 body=redact(practice.body), tag_labels=labels, words=words)
        wanted += [(PassageVariant.redacted, text, terms.digest) for text in redacted]
    return wanted


def _stored_passages(session: Session, practice_ids: list[int]) -> dict[int, list[tuple[str, str, str, str, bytes]]]:
    """Return (variant, text, digest, model, vector) of the stored passages, raw before redacted, in order."""
    stored: dict[int, list[tuple[str, str, str, str, bytes]]] = {}
    for chunk in in_chunks(practice_ids):
        rows = session.execute(
            sa_select(col(Passage.practice_id), col(Passage.variant), col(Passage.text), col(Passage.terms_digest),
                      col(Passage.model), col(Passage.vector))
            .where(col(Passage.practice_id).in_(chunk))
            .order_by(col(Passage.practice_id), col(Passage.variant), col(Passage.position))
        )
        for practice_id, variant, text, digest, model, vector in rows:
            stored.setdefault(practice_id, []).append((variant, text, digest, model, vector))
    return stored


def sync_passages(
    session: Session,
    practices: Sequence[Practice],
    *,
    embedder: Embedder,
    vocabularies: dict[str, Vocabulary],
    words: int,
    terms: IdentifyingTerms,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Bring the stored passages of these practices up to date; return how many passages were embedded."""
    ids = [practice.id or 0 for practice in practices]
    labels = _labels_by_practice(session, ids, vocabularies)
    anonymous = anonymous_in_force(session, ids)
    stored_of = _stored_passages(session, ids)
    rows: list[dict[str, object]] = []
    pending: list[tuple[int, int, Wanted]] = []
    for practice in practices:
        pid = practice.id or 0
        wanted = wanted_passages(practice, labels.get(pid, []), words, terms if pid in anonymous else None)
        stored = stored_of.get(pid, [])
        if [(v, t, d) for v, t, d, _, _ in stored] == wanted and all(m == embedder.name for *_, m, _ in stored):
            continue
        reusable = {text: vector for _, text, _, model, vector in stored if model == embedder.name}
        if stored:
            session.execute(delete(Passage).where(col(Passage.practice_id) == pid))
        positions: dict[PassageVariant, int] = {}
        for item in wanted:
            position = positions[item[0]] = positions.get(item[0], -1) + 1
            if item[1] in reusable:  # an unchanged passage, or a redacted one that redacts nothing, keeps its vector
                rows.append(_row(pid, position, item, embedder, reusable[item[1]]))
            else:
                pending.append((pid, position, item))
    _insert(session, rows)
    if not pending:
        return 0
    # Longest first, as the model batches best when a batch's texts are of similar length (less padding);
    # sorting the whole list rather than each slice keeps ingest as fast as one bare `encode` call.
    pending.sort(key=lambda entry: -len(entry[2][1]))
    step = 256
    for start in range(0, len(pending), step):
        batch = pending[start : start + step]
        vectors = embedder.encode([item[1] for _, _, item in batch])
        _insert(session, [
            _row(practice_id, position, item, embedder, np.asarray(vector, dtype=np.float32).tobytes())
            for (practice_id, position, item), vector in zip(batch, vectors, strict=True)
        ])
        if progress is not None:
            progress(len(batch))
    return len(pending)


def _row(practice_id: int, position: int, item: Wanted, embedder: Embedder, vector: bytes) -> dict[str, object]:
    variant, text, digest = item
    return {"practice_id": practice_id, "variant": variant.value, "terms_digest": digest, "position": position,
            "text": text, "model": embedder.name, "dim": embedder.dim, "vector": vector}


def _insert(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert passages in one statement (no ORM objects: nothing reads them back in this session)."""
    if rows:
        session.execute(insert(Passage), rows)
        session.flush()


@dataclass(frozen=True)
class PassageWriter:
    """Keeps the stored passages of practices in line with their text and their anonymity, for one model."""

    embedder: Embedder
    vocabularies: dict[str, Vocabulary]
    words: int
    terms: TermsSource

    def sync(self, session: Session, practices: Sequence[Practice],
             progress: Callable[[int], object] | None = None) -> int:
        """Embed what changed of these practices in the caller's transaction; return how many passages."""
        return sync_passages(session, practices, embedder=self.embedder, vocabularies=self.vocabularies,
                             words=self.words, terms=self.terms.current(session), progress=progress)
