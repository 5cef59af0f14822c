"""Passages and their vectors in the database (the source of truth); embeds only what changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy import insert
from sqlmodel import Session, delete, select

from index.embedder import Embedder
from index.passages import passage_texts
from kb.models import Passage, Practice, PracticeTag
from kb.vocabulary import Vocabulary


def tag_labels(session: Session, practice_id: int, vocabularies: dict[str, Vocabulary]) -> list[str]:
    """Return the labels of a practice's sector and topic tags, for passage context."""
    return _labels_by_practice(session, [practice_id], vocabularies).get(practice_id, [])


def _labels_by_practice(
    session: Session, practice_ids: list[int], vocabularies: dict[str, Vocabulary]
) -> dict[int, list[str]]:
    labels: dict[int, list[str]] = {}
    for chunk in _chunks(practice_ids):
        rows = session.exec(
            select(PracticeTag.practice_id, PracticeTag.vocabulary, PracticeTag.term)
            .where(PracticeTag.practice_id.in_(chunk), PracticeTag.vocabulary != "domain")  # type: ignore[attr-defined]
            .order_by(PracticeTag.practice_id, PracticeTag.vocabulary, PracticeTag.term)
        )
        for practice_id, vocabulary, term in rows:
            if vocabulary in vocabularies:
                labels.setdefault(practice_id, []).append(vocabularies[vocabulary].label_of(term))
    return labels


def texts_for(session: Session, practice: Practice, vocabularies: dict[str, Vocabulary], words: int) -> list[str]:
    """Return the passage texts a practice should have."""
    return _texts(practice, tag_labels(session, practice.id or 0, vocabularies), words)


def _texts(practice: Practice, labels: list[str], words: int) -> list[str]:
    return passage_texts(title=practice.title, summary=practice.summary, body=practice.body, tag_labels=labels,
                         words=words)


def _stored_passages(session: Session, practice_ids: list[int]) -> dict[int, list[tuple[str, str, bytes]]]:
    """Return (text, model, vector) of the stored passages of these practices, in position order."""
    stored: dict[int, list[tuple[str, str, bytes]]] = {}
    for chunk in _chunks(practice_ids):
        rows = session.exec(
            select(Passage.practice_id, Passage.text, Passage.model, Passage.vector)
            .where(Passage.practice_id.in_(chunk))  # type: ignore[attr-defined]
            .order_by(Passage.practice_id, Passage.position)
        )
        for practice_id, text, model, vector in rows:
            stored.setdefault(practice_id, []).append((text, model, vector))
    return stored


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def sync_passages(
    session: Session,
    practices: Sequence[Practice],
    *,
    embedder: Embedder,
    vocabularies: dict[str, Vocabulary],
    words: int,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Bring the stored passages of these practices up to date; return how many passages were embedded."""
    ids = [practice.id or 0 for practice in practices]
    labels = _labels_by_practice(session, ids, vocabularies)
    stored_of = _stored_passages(session, ids)
    rows: list[dict[str, object]] = []
    pending: list[tuple[int, int, str]] = []
    for practice in practices:
        pid = practice.id or 0
        wanted = _texts(practice, labels.get(pid, []), words)
        stored = stored_of.get(pid, [])
        if [text for text, _, _ in stored] == wanted and all(model == embedder.name for _, model, _ in stored):
            continue
        reusable = {text: vector for text, model, vector in stored if model == embedder.name}
        if stored:
            session.exec(delete(Passage).where(Passage.practice_id == pid))  # type: ignore[call-overload]
        for position, text in enumerate(wanted):
            if text in reusable:  # an unchanged passage keeps its vector
                rows.append(_row(pid, position, text, embedder, reusable[text]))
            else:
                pending.append((pid, position, text))
    _insert(session, rows)
    if not pending:
        return 0
    # Longest first, as the model batches best when a batch's texts are of similar length (less padding);
    # sorting the whole list rather than each slice keeps ingest as fast as one bare `encode` call.
    pending.sort(key=lambda item: -len(item[2]))
    step = 256
    for start in range(0, len(pending), step):
        batch = pending[start : start + step]
        vectors = embedder.encode([text for _, _, text in batch])
        _insert(session, [
            _row(practice_id, position, text, embedder, np.asarray(vector, dtype=np.float32).tobytes())
            for (practice_id, position, text), vector in zip(batch, vectors, strict=True)
        ])
        if progress is not None:
            progress(len(batch))
    return len(pending)


def _row(practice_id: int, position: int, text: str, embedder: Embedder, vector: bytes) -> dict[str, object]:
    return {"practice_id": practice_id, "position": position, "text": text, "model": embedder.name,
            "dim": embedder.dim, "vector": vector}


def _insert(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert passages in one statement (no ORM objects: nothing reads them back in this session)."""
    if rows:
        session.execute(insert(Passage), rows)
        session.flush()


def vector_of(passage: Passage) -> np.ndarray:
    """Return a stored passage vector as a numpy array."""
    return np.frombuffer(passage.vector, dtype=np.float32)
