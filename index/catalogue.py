"""The in-memory search data of one process — vectors, BM25, facet facts — a cache of the database.

It is built from stored vectors (never re-embedding at start), saved to `KB_DATA_DIR` (index.persistence), and
kept in step with the database by catching up from the change log before each request.

A practice shared anonymously is held twice: as written (for its host and the secretariat) and as outsiders read
it (every state's identifying terms replaced, kb.anonymity): a second BM25 document under the negated practice
id, and its redacted passages. Which of the two a viewer is ranked against is decided per request (index.search).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import numpy as np
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from index.embedder import Embedder
from index.facets import FacetTable
from index.lexical import LexicalIndex
from index.persistence import Manifest, load_index, save_index
from index.vectors import VectorIndex, new_vector_index
from index.words import WordIndex
from kb.anonymity import without_redactions
from kb.changes import current_change_seq
from kb.identifying import IdentifyingTerms, TermsSource
from kb.models import ChangeLog, Passage, PassageVariant, Practice, PracticeTag
from kb.queries import anonymous_in_force
from kb.vocabulary import TAG_VOCABULARIES

log = logging.getLogger("kb.index")
T = TypeVar("T")


@dataclass(frozen=True)
class PracticeFacts:
    """What facets, ordering and result rows need to know about a practice, whoever the viewer."""

    kind: str
    year: int
    host_state: str
    tags: dict[str, tuple[str, ...]]
    tiebreak: int  # from the opaque public id: equal scores are ordered by nothing a viewer could count


def tiebreak_of(public_id: str) -> int:
    """Return a stable, meaningless number for ordering ties (a hash of the random public id)."""
    return int.from_bytes(hashlib.blake2b(public_id.encode("ascii"), digest_size=7).digest(), "big")


@dataclass(frozen=True)
class _PracticeRow:
    """The columns of a practice the catalogue reads (no ORM object: 100,000 of those take seconds)."""

    id: int
    public_id: str
    kind: str
    source_year: int
    host_state_code: str
    title: str
    summary: str
    body: str


_PRACTICE_COLUMNS = (col(Practice.id), col(Practice.public_id), col(Practice.kind), col(Practice.source_year),
                     col(Practice.host_state_code), col(Practice.title), col(Practice.summary), col(Practice.body))


def lexical_text(title: str, summary: str, body: str, labels: list[str]) -> str:
    """Return the text BM25 indexes for a practice; the title counts twice, as it says what the entry is about."""
    return "\n".join([title, title, summary, body, " ".join(labels)])


def redacted_doc(practice_id: int) -> int:
    """Return the BM25 document id of a practice as outsiders read it (its raw document is the practice id)."""
    return -practice_id


class Catalogue:
    """Search data for every practice (visibility is applied at query time, never here)."""

    def __init__(self, *, embedder: Embedder, data_dir: Path, vocabulary_labels: dict[str, dict[str, str]],
                 terms: TermsSource) -> None:
        self.embedder = embedder
        self.data_dir = data_dir / "index"
        self._labels = vocabulary_labels
        self._terms_source = terms
        self.terms = IdentifyingTerms()
        self.seq = 0
        self.vectors: VectorIndex = new_vector_index(embedder.dim)
        self.lexical = LexicalIndex()
        self.words = WordIndex()  # the same documents' words as written, for "did you mean"
        self.facts: dict[int, PracticeFacts] = {}
        self.raw_passages: dict[int, np.ndarray] = {}
        self.redacted_passages: dict[int, np.ndarray] = {}
        self.passage_owner: dict[int, int] = {}
        self.anonymous: set[int] = set()  # practices held as outsiders read them too
        self._lock = threading.RLock()
        self._dirty = False
        self._derived: dict[str, object] = {}

    # -- derived data: one mechanism, dropped on every change --------------------------------------

    def _cached(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._derived:
                self._derived[name] = build()
            return cast(T, self._derived[name])

    def _changed(self) -> None:
        self._derived.clear()
        self._dirty = True

    # -- building -------------------------------------------------------------------------------

    def load(self, session: Session) -> None:
        """Load from the saved index when it is current and made by this model; otherwise rebuild."""
        with self._lock:
            self.seq = current_change_seq(session)
            self.terms = self._terms_source.current(session)
            self._load_practices(session)
            expected = self._manifest()
            found = load_index(self.data_dir, expected)
            if isinstance(found, str):
                log.info("rebuilding vector index from stored vectors: %s", found)
                self._build_vectors(session)
                self.save()
            else:
                self.vectors = found
            self._derived.clear()
            self._dirty = False

    def rebuild_vectors(self, session: Session) -> None:
        """Rebuild the vector index from the vectors stored in the database (what losing the saved file costs)."""
        with self._lock:
            self._build_vectors(session)
            self._changed()

    def _manifest(self) -> Manifest:
        return Manifest(model=self.embedder.name, dim=self.embedder.dim, seq=self.seq,
                        passages=len(self.passage_owner), practices=len(self.facts))

    def _load_practices(self, session: Session) -> None:
        self.facts.clear()
        self.raw_passages.clear()
        self.redacted_passages.clear()
        self.passage_owner.clear()
        self.lexical = LexicalIndex()
        self.words = WordIndex()  # the same documents' words as written, for "did you mean"
        self.anonymous = anonymous_in_force(session)
        tags = _all_tags(session)
        rows = (_PracticeRow(*row) for row in session.execute(sa_select(*_PRACTICE_COLUMNS)))
        documents = (doc for row in rows for doc in self._remember(row, tags.get(row.id, {})))
        self.lexical.add_many(self.words.passing(documents))
        statement = (
            select(col(Passage.id), Passage.practice_id, Passage.variant, Passage.terms_digest)
            .where(Passage.model == self.embedder.name)
            .order_by(col(Passage.practice_id), col(Passage.variant), col(Passage.position))
        )
        raw: dict[int, list[int]] = {}
        redacted: dict[int, list[int]] = {}
        for stored_id, practice_id, variant, digest in session.exec(statement):
            passage_id = int(stored_id or 0)  # a primary key: never None once stored
            if variant == PassageVariant.raw:
                raw.setdefault(practice_id, []).append(passage_id)
            elif digest == self.terms.digest and practice_id in self.anonymous:
                redacted.setdefault(practice_id, []).append(passage_id)
            else:
                continue  # made with other identifying terms, or no longer needed: never ranked
            self.passage_owner[passage_id] = practice_id
        self.raw_passages = {pid: np.asarray(ids, dtype=np.int64) for pid, ids in raw.items()}
        self.redacted_passages = {pid: np.asarray(ids, dtype=np.int64) for pid, ids in redacted.items()}
        self._warn_if_unredacted()

    def _warn_if_unredacted(self) -> None:
        """Anonymous practices without passages for the current terms are left out of outsiders' dense ranking."""
        missing = len(self.anonymous - set(self.redacted_passages))
        if missing:
            log.warning("%d anonymous practice(s) have no passages redacted with the current identifying terms; "
                        "outsiders rank them by BM25 only until `kb reindex` embeds them", missing)

    def _build_vectors(self, session: Session) -> None:
        self.vectors = new_vector_index(self.embedder.dim, size=len(self.passage_owner))
        ids: list[int] = []
        chunks: list[np.ndarray] = []
        statement = select(Passage.id, Passage.vector).where(Passage.model == self.embedder.name)
        for passage_id, blob in session.exec(statement):
            if passage_id not in self.passage_owner:
                continue
            ids.append(passage_id)
            chunks.append(np.frombuffer(blob, dtype=np.float32))
            if len(ids) >= 20_000:
                self.vectors.add(np.asarray(ids, dtype=np.int64), np.vstack(chunks))
                ids, chunks = [], []
        if ids:
            self.vectors.add(np.asarray(ids, dtype=np.int64), np.vstack(chunks))

    def _remember(self, practice: Practice | _PracticeRow, tags: dict[str, list[str]]) -> list[tuple[int, str]]:
        """Record a practice's facts; return the BM25 documents to index for it (raw, and redacted if anonymous)."""
        pid = practice.id or 0
        self.facts[pid] = PracticeFacts(
            kind=str(practice.kind), year=practice.source_year, host_state=practice.host_state_code,
            tags={name: tuple(sorted(terms)) for name, terms in tags.items()},
            tiebreak=tiebreak_of(practice.public_id),
        )
        labels = [self._labels.get(v, {}).get(t, t) for v, terms in tags.items() for t in terms]
        documents = [(pid, lexical_text(practice.title, practice.summary, practice.body, labels))]
        if pid in self.anonymous:
            redact = self.terms.redacted
            text = lexical_text(redact(practice.title), redact(practice.summary), redact(practice.body), labels)
            documents.append((redacted_doc(pid), without_redactions(text)))
        return documents

    def save(self) -> None:
        """Write the vector index and its manifest to the data folder."""
        with self._lock:
            save_index(self.data_dir, self.vectors, self._manifest())
            self._dirty = False

    def save_if_changed(self) -> None:
        if self._dirty:
            self.save()

    # -- keeping in step ------------------------------------------------------------------------

    def catch_up(self, session: Session) -> int:
        """Apply changes made (by any process) since this catalogue's sequence; return the new sequence."""
        newest = current_change_seq(session)
        if newest == self.seq:
            return newest
        with self._lock:
            if newest == self.seq:
                return newest
            changes = session.exec(
                select(ChangeLog.object_type, ChangeLog.object_id).where(
                    col(ChangeLog.seq) > self.seq, col(ChangeLog.seq) <= newest,
                    col(ChangeLog.object_type).in_(("practice", "state", "kb")),
                )
            ).all()
            changed = [object_id for kind, object_id in changes if kind == "practice"]
            if any(kind in ("state", "kb") for kind, _ in changes):
                terms = self._terms_source.current(session)
                if terms.digest != self.terms.digest:  # redacted texts were made with other terms
                    self.terms = terms
                    changed.extend(session.exec(select(Practice.external_id).where(
                        col(Practice.id).in_(sorted(self.anonymous)))).all() if self.anonymous else [])
            for external_id in dict.fromkeys(changed):
                self._refresh_practice(session, external_id)
            if any(kind in ("state", "kb") for kind, _ in changes):
                self._warn_if_unredacted()
            self.seq = newest
            self._changed()
            return newest

    def _refresh_practice(self, session: Session, external_id: str) -> None:
        practice = session.exec(select(Practice).where(Practice.external_id == external_id)).first()
        if practice is None:
            self._forget_deleted(session)
            return
        pid = practice.id or 0
        self._forget(pid)
        if anonymous_in_force(session, [pid]):
            self.anonymous.add(pid)
        tags: dict[str, list[str]] = {name: [] for name in TAG_VOCABULARIES}
        for row in session.exec(select(PracticeTag).where(PracticeTag.practice_id == pid)):
            tags.setdefault(row.vocabulary, []).append(row.term)
        self.lexical.add_many(self.words.passing(self._remember(practice, tags)))
        rows = session.exec(
            select(col(Passage.id), Passage.variant, Passage.terms_digest, Passage.vector).where(
                Passage.practice_id == pid, Passage.model == self.embedder.name
            ).order_by(col(Passage.variant), col(Passage.position))
        ).all()
        kept = [(int(passage_id or 0), variant, vector) for passage_id, variant, digest, vector in rows
                if variant == PassageVariant.raw or (digest == self.terms.digest and pid in self.anonymous)]
        if not kept:
            return
        ids = np.asarray([r[0] for r in kept], dtype=np.int64)
        self.vectors.add(ids, np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in kept]))
        for variant, store in ((PassageVariant.raw, self.raw_passages), (PassageVariant.redacted,
                                                                           self.redacted_passages)):
            mine = np.asarray([r[0] for r in kept if r[1] == variant], dtype=np.int64)
            if len(mine):
                store[pid] = mine
        for passage_id, _, _ in kept:
            self.passage_owner[passage_id] = pid

    def _forget_deleted(self, session: Session) -> None:
        """A practice that no longer exists: nothing in the database names its id, so drop stale rows."""
        known = set(session.exec(select(Practice.id)).all())
        for pid in [p for p in self.facts if p not in known]:
            self._forget(pid)

    def _forget(self, practice_id: int) -> None:
        for store in (self.raw_passages, self.redacted_passages):
            ids = store.pop(practice_id, None)
            if ids is not None and len(ids):
                self.vectors.remove(ids)
                for passage_id in ids.tolist():
                    self.passage_owner.pop(passage_id, None)
        self.facts.pop(practice_id, None)
        self.anonymous.discard(practice_id)
        self.lexical.remove(practice_id)
        self.lexical.remove(redacted_doc(practice_id))
        self.words.remove(practice_id)
        self.words.remove(redacted_doc(practice_id))

    # -- what a search reads ---------------------------------------------------------------------

    @staticmethod
    def passage_texts(session: Session, passage_ids: list[int]) -> dict[int, str]:
        """Return the texts of these passages (read from the database: only a page's worth is ever shown)."""
        wanted = [p for p in dict.fromkeys(passage_ids) if p >= 0]
        if not wanted:
            return {}
        rows = session.exec(select(col(Passage.id), Passage.text).where(col(Passage.id).in_(wanted)))
        return {int(passage_id or 0): text for passage_id, text in rows}

    def tags_of(self, practice_ids: list[int]) -> dict[int, dict[str, list[str]]]:
        """Return the tags of these practices by vocabulary, sorted, as of the last catch-up (no query)."""
        empty: dict[str, tuple[str, ...]] = {}
        return {pid: {name: list((self.facts[pid].tags if pid in self.facts else empty).get(name, ()))
                      for name in TAG_VOCABULARIES} for pid in practice_ids}

    def all_ids(self) -> np.ndarray:
        """Return every practice id the catalogue holds, sorted."""
        return self._cached("ids", lambda: np.fromiter(sorted(self.facts), dtype=np.int64, count=len(self.facts)))

    def is_everything(self, practice_ids: np.ndarray) -> bool:
        """Tell whether these (sorted) ids are every practice in the catalogue."""
        every = self.all_ids()
        return len(practice_ids) == len(every) and bool(np.array_equal(practice_ids, every))

    def size(self) -> tuple[int, int]:
        """Return how many practices and passages the catalogue holds."""
        return len(self.facts), len(self.passage_owner)

    def holds_redacted_passages(self) -> bool:
        return bool(self.redacted_passages)

    def passages_for(self, shown: np.ndarray, hidden: np.ndarray) -> np.ndarray:
        """Return the sorted passage ids to rank these practices by: as written where the host is shown, as
        outsiders read them where it is not (a hidden-host practice without redacted passages has none)."""
        parts = [_select(*self._passage_arrays(PassageVariant.raw), shown),
                 _select(*self._passage_arrays(PassageVariant.redacted), hidden)]
        return np.sort(np.concatenate(parts))

    def lexical_docs(self, shown: np.ndarray, hidden: np.ndarray) -> np.ndarray:
        """Return the sorted BM25 documents of these practices, in the form the viewer reads each one."""
        anonymous = np.fromiter(self.anonymous, dtype=np.int64, count=len(self.anonymous))
        hidden = hidden[np.isin(hidden, anonymous)]  # not yet caught up with a new anonymity: not ranked at all
        return np.sort(np.concatenate([np.asarray(shown, dtype=np.int64), -np.asarray(hidden, dtype=np.int64)]))

    def facet_table(self) -> FacetTable:
        """Return every practice's facet values as arrays, rebuilt only after a change."""
        return self._cached("facets", lambda: FacetTable(self.facts))

    def owners_of(self, passage_ids: np.ndarray) -> np.ndarray:
        """Return the practice of each passage id (-1 for a passage the catalogue does not hold)."""
        table = self._cached("owners", self._owner_table)
        ids = np.asarray(passage_ids, dtype=np.int64)
        inside = (ids >= 0) & (ids < len(table))
        return np.where(inside, table[np.where(inside, ids, 0)] if len(table) else -1, -1)

    def _owner_table(self) -> np.ndarray:
        passages = np.fromiter(self.passage_owner.keys(), dtype=np.int64, count=len(self.passage_owner))
        owners = np.fromiter(self.passage_owner.values(), dtype=np.int64, count=len(self.passage_owner))
        table = np.full(int(passages.max()) + 1 if len(passages) else 0, -1, dtype=np.int64)
        table[passages] = owners
        return table

    def _passage_arrays(self, variant: PassageVariant) -> tuple[np.ndarray, np.ndarray]:
        """Return every passage id of one variant and its practice, as arrays, rebuilt only after a change."""
        def build() -> tuple[np.ndarray, np.ndarray]:
            store = self.raw_passages if variant == PassageVariant.raw else self.redacted_passages
            pairs = [(passage, pid) for pid, ids in store.items() for passage in ids.tolist()]
            passages = np.fromiter((p for p, _ in pairs), dtype=np.int64, count=len(pairs))
            owners = np.fromiter((o for _, o in pairs), dtype=np.int64, count=len(pairs))
            return passages, owners

        return self._cached(f"passages-{variant.value}", build)


def _select(passages: np.ndarray, owners: np.ndarray, practice_ids: np.ndarray) -> np.ndarray:
    """Return the passages whose owner is one of the practice ids."""
    wanted = np.unique(np.asarray(practice_ids, dtype=np.int64))
    if len(wanted) == 0 or len(owners) == 0:
        return np.zeros(0, dtype=np.int64)
    where = np.searchsorted(wanted, owners).clip(max=len(wanted) - 1)
    return passages[wanted[where] == owners]


def _all_tags(session: Session) -> dict[int, dict[str, list[str]]]:
    tags: dict[int, dict[str, list[str]]] = {}
    for practice_id, vocabulary, term in session.exec(
        select(PracticeTag.practice_id, PracticeTag.vocabulary, PracticeTag.term)
    ):
        tags.setdefault(practice_id, {name: [] for name in TAG_VOCABULARIES}).setdefault(vocabulary, []).append(term)
    return tags
