"""BM25 over practices, kept in memory and updated one document at a time.

bm25s and tantivy rebuild or commit segments to change a document; a curator's edit must be searchable on
the next request in every process, so this index takes adds and removals in place and scores with numpy.
Per-document arrays grow by doubling; postings live in numpy arrays (int32 rows, float32 frequencies), and
postings added since are kept in short lists that are moved into the arrays when the term is next queried
(and every few thousand documents of a bulk load), so a query touches only the postings of its own terms.
A common term's per-posting BM25 weights are kept until the index next changes, so a query over a long
posting list is one gather-and-add.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable

import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_TOKEN = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(STOPWORDS_EN)
COMPACT_EVERY = 5000
CACHE_WEIGHTS_FROM = 1024  # postings; shorter lists are cheap to score afresh and would only fill memory


class Tokenizer:
    """Lower-case, split on non-alphanumerics, drop English stop words, Snowball-stem."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._lock = threading.Lock()

    def __call__(self, text: str) -> list[str]:
        words = [w for w in _TOKEN.findall(text.casefold()) if w not in _STOPWORDS]
        with self._lock:  # PyStemmer objects are not thread-safe
            return self._stemmer.stemWords(words)


class _Grow:
    """A numpy array that appends in amortised constant time."""

    def __init__(self, dtype: type) -> None:
        self.data = np.zeros(1024, dtype=dtype)
        self.size = 0

    def append(self, value: object) -> None:
        if self.size == len(self.data):
            self.data = np.concatenate([self.data, np.zeros_like(self.data)])
        self.data[self.size] = value
        self.size += 1

    @property
    def view(self) -> np.ndarray:
        return self.data[: self.size]


class LexicalIndex:
    """Okapi BM25 (k1=1.2, b=0.75, Lucene idf) with in-place add and remove."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.tokenize = Tokenizer()
        self._row_of: dict[int, int] = {}
        self._doc_ids = _Grow(np.int64)
        self._lengths = _Grow(np.float32)
        self._alive = _Grow(np.bool_)
        self._frozen: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # postings as arrays (int32 rows, freqs)
        self._postings: dict[str, tuple[list[int], list[int]]] = {}  # added since, not yet in the arrays
        self._total_length = 0
        self._version = 0  # advanced by every add and removal
        self._weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # a common term's BM25 weights per posting
        self._weights_version = 0
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._row_of)

    def add(self, doc_id: int, text: str) -> None:
        """Index a document, replacing any earlier version with the same id."""
        self.add_many([(doc_id, text)])

    def add_many(self, documents: Iterable[tuple[int, str]]) -> None:
        """Index documents, each replacing any earlier version with its id."""
        postings = self._postings
        with self._lock:
            self._version += 1
            for number, (doc_id, text) in enumerate(documents, start=1):
                tokens = self.tokenize(text)
                if doc_id in self._row_of:
                    self.remove(doc_id)
                row = self._doc_ids.size
                self._row_of[doc_id] = row
                self._doc_ids.append(doc_id)
                self._lengths.append(len(tokens))
                self._alive.append(True)
                self._total_length += len(tokens)
                for token, count in Counter(tokens).items():
                    posting = postings.get(token)
                    if posting is None:
                        postings[token] = ([row], [count])
                        continue
                    posting[0].append(row)
                    posting[1].append(count)
                if number % COMPACT_EVERY == 0:
                    self._compact()
            if len(postings) > COMPACT_EVERY:
                self._compact()

    def _compact(self) -> None:
        """Move every added posting into the arrays (lists of Python ints take five times the memory)."""
        for term in list(self._postings):
            self._posting(term)

    def remove(self, doc_id: int) -> None:
        """Forget a document (its postings stay, masked, until the index is rebuilt)."""
        with self._lock:
            row = self._row_of.pop(doc_id, None)
            if row is not None:
                self._version += 1
                self._alive.data[row] = False
                self._total_length -= int(self._lengths.data[row])

    def score_arrays(self, query: str, allowed_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, BM25 scores) of the documents that contain a query term, among the sorted allowed ids."""
        terms = dict.fromkeys(self.tokenize(query))
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        with self._lock:
            n_docs = len(self._row_of)
            if not terms or n_docs == 0:
                return empty
            lengths, alive, doc_ids = self._lengths.view, self._alive.view, self._doc_ids.view
            average = self._total_length / n_docs
            total: np.ndarray | None = None
            if self._weights_version != self._version:
                self._weights.clear()
                self._weights_version = self._version
            for term in terms:
                weighted = self._weights.get(term)
                if weighted is None:
                    posting = self._posting(term)
                    if posting is None:
                        continue
                    rows, freqs = posting
                    live = alive[rows]
                    df = int(live.sum())
                    if df == 0:
                        continue
                    idf = np.float32(np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)))
                    norm = self.k1 * (1.0 - self.b + self.b * lengths[rows] / average)
                    weighted = rows, live * (idf * freqs * (self.k1 + 1.0) / (freqs + norm))
                    if len(rows) >= CACHE_WEIGHTS_FROM:
                        self._weights[term] = weighted
                if total is None:
                    total = np.zeros(len(doc_ids), dtype=np.float32)
                total[weighted[0]] += weighted[1]
            if total is None:
                return empty
            hit_rows = np.flatnonzero(total)
            hit_ids = doc_ids[hit_rows]
        if allowed_ids is not None:
            hit_rows, hit_ids = _keep_allowed(hit_rows, hit_ids, allowed_ids)
        return hit_ids, total[hit_rows]

    def scores(self, query: str, allowed_ids: np.ndarray | None = None) -> dict[int, float]:
        """Return BM25 scores of the documents that contain a query term, among the allowed ids."""
        ids, scores = self.score_arrays(query, None if allowed_ids is None else np.sort(allowed_ids))
        return dict(zip(ids.tolist(), scores.tolist(), strict=True))

    def _posting(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Return a term's postings as arrays, first moving in any added since."""
        frozen = self._frozen.get(term)
        added = self._postings.pop(term, None)
        if added is None:
            return frozen
        rows, freqs = np.asarray(added[0], dtype=np.int32), np.asarray(added[1], dtype=np.float32)
        if frozen is not None:
            rows, freqs = np.concatenate([frozen[0], rows]), np.concatenate([frozen[1], freqs])
        self._frozen[term] = (rows, freqs)
        return rows, freqs


def _keep_allowed(rows: np.ndarray, ids: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep the hits whose id is in the sorted allow-list."""
    if len(allowed) == 0:
        return rows[:0], ids[:0]
    where = np.searchsorted(allowed, ids).clip(max=len(allowed) - 1)
    keep = allowed[where] == ids
    return rows[keep], ids[keep]
