"""The in-memory search data of one process — vectors, BM25, facet facts — a cache of the database.

It is built from stored vectors (never re-embedding at start), saved to `KB_DATA_DIR`, and kept in step
with the database by catching up from the change log before each request.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlmodel import Session, select

from index.embedder import Embedder
from index.facets import TAG_FIELDS, FacetTable
from index.lexical import LexicalIndex
from index.vectors import VectorIndex, load_vector_index, new_vector_index
from kb.audit import current_change_seq
from kb.models import ChangeLog, Passage, Practice, PracticeTag, State

log = logging.getLogger("kb.index")

INDEX_FILE = "vectors.faiss"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class PracticeFacts:
    """What facets and result rows need to know about a practice, whoever the viewer."""

    kind: str
    year: int
    host_state: str
    tags: dict[str, tuple[str, ...]]


def lexical_text(practice: Practice | _PracticeRow, labels: list[str]) -> str:
    """Return the text BM25 indexes for a practice; the title counts twice, as it says what the entry is about."""
    return "\n".join([practice.title, practice.title, practice.summary, practice.body, " ".join(labels)])


@dataclass(frozen=True)
class _PracticeRow:
    """The columns of a practice the catalogue reads (no ORM object: 100,000 of those take seconds)."""

    id: int
    kind: str
    source_year: int
    host_state_code: str
    title: str
    summary: str
    body: str


_PRACTICE_COLUMNS = (Practice.id, Practice.kind, Practice.source_year, Practice.host_state_code, Practice.title,
                     Practice.summary, Practice.body)


class Catalogue:
    """Search data for every practice (visibility is applied at query time, never here)."""

    def __init__(self, *, embedder: Embedder, data_dir: Path, vocabulary_labels: dict[str, dict[str, str]]) -> None:
        self.embedder = embedder
        self.data_dir = data_dir / "index"
        self._labels = vocabulary_labels
        self.seq = 0
        self.vectors: VectorIndex = new_vector_index(embedder.dim)
        self.lexical = LexicalIndex()
        self.facts: dict[int, PracticeFacts] = {}
        self.passages_of: dict[int, np.ndarray] = {}
        self.passage_owner: dict[int, int] = {}
        self.state_words: frozenset[str] = frozenset()
        self._lock = threading.RLock()
        self._dirty = False
        self._arrays_key: tuple[int, int] | None = None
        self._arrays = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        self._owner_key: tuple[int, int] | None = None
        self._owner_table = np.zeros(0, dtype=np.int64)
        self._facet_key: tuple[int, int] | None = None
        self._facet_table: FacetTable | None = None

    # -- building -------------------------------------------------------------------------------

    def load(self, session: Session) -> None:
        """Load from the saved index when it is current and made by this model; otherwise rebuild."""
        with self._lock:
            self.seq = current_change_seq(session)
            self._load_state_words(session)
            self._load_practices(session)
            reason = self._try_saved_vectors()
            if reason is not None:
                log.info("rebuilding vector index from stored vectors: %s", reason)
                self._build_vectors(session)
                self.save()

    def _try_saved_vectors(self) -> str | None:
        manifest_path = self.data_dir / MANIFEST_FILE
        if not manifest_path.exists():
            return "no saved index"
        try:
            manifest = json.loads(manifest_path.read_text())
            if manifest.get("model") != self.embedder.name or manifest.get("dim") != self.embedder.dim:
                return f"saved index was built with model {manifest.get('model')!r}"
            if manifest.get("seq") != self.seq or manifest.get("passages") != len(self.passage_owner):
                return "saved index is stale"
            index_path = self.data_dir / Path(manifest.get("index_file", INDEX_FILE)).name
            if not index_path.exists():
                return "no saved index"
            vectors = load_vector_index(index_path)
        except Exception as exc:  # a corrupt cache file is rebuilt, whatever the error
            return f"saved index is unreadable ({exc.__class__.__name__}: {exc})"
        if len(vectors) != len(self.passage_owner):
            return "saved index does not match the stored passages"
        self.vectors = vectors
        return None

    def _load_state_words(self, session: Session) -> None:
        """Remember the BM25 terms of every state's name and code (see `SearchService.rank`)."""
        words: set[str] = set()
        for code, name in session.exec(select(State.code, State.name)):
            words.update(self.lexical.tokenize(f"{code} {name}"))
        self.state_words = frozenset(words)

    def _load_practices(self, session: Session) -> None:
        self.facts.clear()
        self.passages_of.clear()
        self.passage_owner.clear()
        self.lexical = LexicalIndex()
        tags = _all_tags(session)
        rows = (_PracticeRow(*row) for row in session.exec(select(*_PRACTICE_COLUMNS)))
        self.lexical.add_many(self._remember_facts(row, tags.get(row.id, {})) for row in rows)
        rows = session.exec(
            select(Passage.id, Passage.practice_id).where(Passage.model == self.embedder.name)
            .order_by(Passage.practice_id, Passage.position)
        )
        grouped: dict[int, list[int]] = {}
        for passage_id, practice_id in rows:
            grouped.setdefault(practice_id, []).append(passage_id)
            self.passage_owner[passage_id] = practice_id
        self.passages_of = {pid: np.asarray(ids, dtype=np.int64) for pid, ids in grouped.items()}

    def _build_vectors(self, session: Session) -> None:
        self.vectors = new_vector_index(self.embedder.dim, size=len(self.passage_owner))
        ids: list[int] = []
        chunks: list[np.ndarray] = []
        statement = select(Passage.id, Passage.vector).where(Passage.model == self.embedder.name)
        for passage_id, blob in session.exec(statement):
            ids.append(passage_id)
            chunks.append(np.frombuffer(blob, dtype=np.float32))
            if len(ids) >= 20_000:
                self.vectors.add(np.asarray(ids, dtype=np.int64), np.vstack(chunks))
                ids, chunks = [], []
        if ids:
            self.vectors.add(np.asarray(ids, dtype=np.int64), np.vstack(chunks))

    def _remember(self, practice: Practice | _PracticeRow, tags: dict[str, list[str]]) -> None:
        self.lexical.add(*self._remember_facts(practice, tags))

    def _remember_facts(self, practice: Practice | _PracticeRow, tags: dict[str, list[str]]) -> tuple[int, str]:
        """Record a practice's facts; return its id and the text BM25 should index."""
        pid = practice.id or 0
        self.facts[pid] = PracticeFacts(
            kind=str(practice.kind),
            year=practice.source_year,
            host_state=practice.host_state_code,
            tags={name: tuple(sorted(terms)) for name, terms in tags.items()},
        )
        labels = [self._labels.get(v, {}).get(t, t) for v, terms in tags.items() for t in terms]
        return pid, lexical_text(practice, labels)

    def save(self) -> None:
        """Write the vector index and its manifest to the data folder."""
        with self._lock:
            # Processes sharing a data folder each write their own file; the manifest, replaced atomically,
            # names the index it describes, so a reader never pairs one process's manifest with another's index.
            writer = f"{os.getpid()}-{threading.get_ident()}"
            index_file = f"vectors-{self.seq}-{writer}.faiss"
            self.vectors.save(self.data_dir / index_file)
            manifest = {
                "model": self.embedder.name,
                "dim": self.embedder.dim,
                "seq": self.seq,
                "passages": len(self.passage_owner),
                "practices": len(self.facts),
                "index_file": index_file,
            }
            tmp = self.data_dir / f"{MANIFEST_FILE}.{writer}.tmp"
            tmp.write_text(json.dumps(manifest, indent=2))
            tmp.replace(self.data_dir / MANIFEST_FILE)
            self._dirty = False
            _remove_unused_index_files(self.data_dir)

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
                    ChangeLog.seq > self.seq, ChangeLog.seq <= newest,
                    ChangeLog.object_type.in_(("practice", "state")),  # type: ignore[attr-defined]
                )
            ).all()
            if any(kind == "state" for kind, _ in changes):
                self._load_state_words(session)
            changed = [object_id for kind, object_id in changes if kind == "practice"]
            for external_id in dict.fromkeys(changed):
                self._refresh_practice(session, external_id)
            self.seq = newest
            self._dirty = self._dirty or bool(changed)
            return newest

    def _refresh_practice(self, session: Session, external_id: str) -> None:
        practice = session.exec(select(Practice).where(Practice.external_id == external_id)).first()
        if practice is None:
            self._forget_external(session, external_id)
            return
        pid = practice.id or 0
        self._forget(pid)
        tags: dict[str, list[str]] = {"domain": [], "sector": [], "topic": []}
        for row in session.exec(select(PracticeTag).where(PracticeTag.practice_id == pid)):
            tags.setdefault(row.vocabulary, []).append(row.term)
        self._remember(practice, tags)
        rows = session.exec(
            select(Passage.id, Passage.vector).where(
                Passage.practice_id == pid, Passage.model == self.embedder.name
            ).order_by(Passage.position)
        ).all()
        if rows:
            ids = np.asarray([r[0] for r in rows], dtype=np.int64)
            self.vectors.add(ids, np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows]))
            self.passages_of[pid] = ids
            for passage_id, _ in rows:
                self.passage_owner[passage_id] = pid

    def _forget_external(self, session: Session, external_id: str) -> None:
        """A practice that no longer exists: nothing in the database names its id, so drop stale rows."""
        known = set(session.exec(select(Practice.id)).all())
        for pid in [p for p in self.facts if p not in known]:
            self._forget(pid)

    def _forget(self, practice_id: int) -> None:
        ids = self.passages_of.pop(practice_id, None)
        if ids is not None and len(ids):
            self.vectors.remove(ids)
            for passage_id in ids.tolist():
                self.passage_owner.pop(passage_id, None)
        self.facts.pop(practice_id, None)
        self.lexical.remove(practice_id)

    @staticmethod
    def passage_texts(session: Session, passage_ids: list[int]) -> dict[int, str]:
        """Return the texts of these passages (read from the database: only a page's worth is ever shown)."""
        wanted = [p for p in dict.fromkeys(passage_ids) if p >= 0]
        if not wanted:
            return {}
        rows = session.exec(select(Passage.id, Passage.text).where(Passage.id.in_(wanted)))  # type: ignore[union-attr]
        return {int(passage_id): text for passage_id, text in rows}

    def tags_of(self, practice_ids: list[int]) -> dict[int, dict[str, list[str]]]:
        """Return the tags of these practices by vocabulary, sorted, as of the last catch-up (no query)."""
        empty = PracticeFacts(kind="", year=0, host_state="", tags={})
        return {pid: {name: list(self.facts.get(pid, empty).tags.get(name, ())) for name in TAG_FIELDS}
                for pid in practice_ids}

    def save_if_changed(self) -> None:
        if self._dirty:
            self.save()

    def allowed_passages(self, practice_ids: np.ndarray) -> np.ndarray:
        """Return the passage ids of the given practices."""
        passages, owners = self._passage_arrays()
        wanted = np.unique(np.asarray(practice_ids, dtype=np.int64))
        if len(wanted) == 0 or len(owners) == 0:
            return np.zeros(0, dtype=np.int64)
        where = np.searchsorted(wanted, owners).clip(max=len(wanted) - 1)
        return passages[wanted[where] == owners]

    def is_everything(self, practice_ids: np.ndarray) -> bool:
        """Tell whether these (sorted) ids are every practice in the catalogue, so no allow-list is needed."""
        with self._lock:
            if len(practice_ids) != len(self.facts):
                return False
            return bool(np.array_equal(practice_ids, np.fromiter(sorted(self.facts), dtype=np.int64)))

    def facet_table(self) -> FacetTable:
        """Return every practice's facet values as arrays, rebuilt only after a change."""
        with self._lock:
            key = (self.seq, len(self.facts))
            if self._facet_table is None or self._facet_key != key:
                self._facet_table = FacetTable(self.facts)
                self._facet_key = key
            return self._facet_table

    def owners_of(self, passage_ids: np.ndarray) -> np.ndarray:
        """Return the practice of each passage id (-1 for a passage the catalogue does not hold)."""
        with self._lock:
            key = (self.seq, len(self.passage_owner))
            if self._owner_key != key:
                passages, owners = self._passage_arrays()
                table = np.full(int(passages.max()) + 1 if len(passages) else 0, -1, dtype=np.int64)
                table[passages] = owners
                self._owner_table, self._owner_key = table, key
            table = self._owner_table
        ids = np.asarray(passage_ids, dtype=np.int64)
        inside = (ids >= 0) & (ids < len(table))
        return np.where(inside, table[np.where(inside, ids, 0)] if len(table) else -1, -1)

    def _passage_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Return every passage id and its practice, as arrays, rebuilt only after a change."""
        with self._lock:
            key = (self.seq, len(self.passage_owner))
            if self._arrays_key != key:
                passages = np.fromiter(self.passage_owner.keys(), dtype=np.int64, count=len(self.passage_owner))
                owners = np.fromiter(self.passage_owner.values(), dtype=np.int64, count=len(self.passage_owner))
                self._arrays = (passages, owners)
                self._arrays_key = key
            return self._arrays


def _all_tags(session: Session) -> dict[int, dict[str, list[str]]]:
    tags: dict[int, dict[str, list[str]]] = {}
    for practice_id, vocabulary, term in session.exec(
        select(PracticeTag.practice_id, PracticeTag.vocabulary, PracticeTag.term)
    ):
        tags.setdefault(practice_id, {"domain": [], "sector": [], "topic": []}).setdefault(vocabulary, []).append(term)
    return tags


def _remove_unused_index_files(folder: Path, grace_seconds: float = 60.0) -> None:
    """Delete saved indexes the manifest no longer names (after a grace period for concurrent writers)."""
    try:
        current = json.loads((folder / MANIFEST_FILE).read_text()).get("index_file")
    except (OSError, ValueError):
        return
    cutoff = time.time() - grace_seconds
    for path in [*folder.glob("vectors-*.faiss"), folder / INDEX_FILE]:
        try:
            if path.name != current and path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            continue
