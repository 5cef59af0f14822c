"""Passages and their vectors in the database (the source of truth); embeds only what changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sqlmodel import Session, delete, select

from index.embedder import Embedder
from index.passages import passage_texts
from kb.models import Passage, Practice, PracticeTag
from kb.vocabulary import Vocabulary


def tag_labels(session: Session, practice_id: int, vocabularies: dict[str, Vocabulary]) -> list[str]:
    """Return the labels of a practice's sector and topic tags, for passage context."""
    rows = session.exec(
        select(PracticeTag).where(PracticeTag.practice_id == practice_id, PracticeTag.vocabulary != "domain")
    ).all()
    return [vocabularies[r.vocabulary].label_of(r.term) for r in rows if r.vocabulary in vocabularies]


def texts_for(session: Session, practice: Practice, vocabularies: dict[str, Vocabulary], words: int) -> list[str]:
    """Return the passage texts a practice should have."""
    return passage_texts(
        title=practice.title,
        summary=practice.summary,
        body=practice.body,
        tag_labels=tag_labels(session, practice.id or 0, vocabularies),
        words=words,
    )


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
    pending: list[tuple[int, int, str]] = []
    for practice in practices:
        wanted = texts_for(session, practice, vocabularies, words)
        stored = session.exec(
            select(Passage).where(Passage.practice_id == practice.id).order_by(Passage.position)  # type: ignore[arg-type]
        ).all()
        if [p.text for p in stored] == wanted and all(p.model == embedder.name for p in stored):
            continue
        reusable = {p.text: p.vector for p in stored if p.model == embedder.name}
        session.exec(delete(Passage).where(Passage.practice_id == practice.id))  # type: ignore[call-overload]
        for position, text in enumerate(wanted):
            if text in reusable:  # an unchanged passage keeps its vector
                session.add(Passage(practice_id=practice.id or 0, position=position, text=text,
                                    model=embedder.name, dim=embedder.dim, vector=reusable[text]))
            else:
                pending.append((practice.id or 0, position, text))
    session.flush()
    if not pending:
        return 0
    step = 256
    for start in range(0, len(pending), step):
        batch = pending[start : start + step]
        vectors = embedder.encode([text for _, _, text in batch])
        for (practice_id, position, text), vector in zip(batch, vectors, strict=True):
            session.add(
                Passage(
                    practice_id=practice_id, position=position, text=text, model=embedder.name,
                    dim=embedder.dim, vector=np.asarray(vector, dtype=np.float32).tobytes(),
                )
            )
        if progress is not None:
            progress(len(batch))
    session.flush()
    return len(pending)


def vector_of(passage: Passage) -> np.ndarray:
    """Return a stored passage vector as a numpy array."""
    return np.frombuffer(passage.vector, dtype=np.float32)
