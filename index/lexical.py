"""BM25 over practices, kept in memory and updated one document at a time, scored within one audience's view.

bm25s and tantivy rebuild or commit segments to change a document; a curator's edit must be searchable on
the next request in every process, so this index takes adds and removals in place and scores with numpy.
Per-document arrays grow by doubling; postings live in numpy arrays (int32 rows, float32 frequencies), and
postings added since are kept in short lists that are moved into the arrays when the term is next queried
(and every few thousand documents of a bulk load), so a query touches only the postings of its own terms.

Scores depend on nothing a viewer may not see: the statistics BM25 needs (document count, document
frequencies, average length) are those of a `LexicalView` — exactly the documents one audience may see, in
the form it sees them — so changing a hidden document moves no visible score. A view keeps its common terms'
per-posting weights, so a query over a long posting list is one gather-and-add.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable

import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

_TOKEN = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(STOPWORDS_EN_PLUS)  # NLTK's function words: pronouns, auxiliaries, contraction bits
COMPACT_EVERY = 5000
CACHE_WEIGHTS_FROM = 1024  # postings; shorter lists are cheap to score afresh and would only fill memory
CACHED_TERMS_PER_VIEW = 128  # bounds a view's weight cache (a long posting list is 4 bytes a posting)


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
        self.data: np.ndarray = np.zeros(1024, dtype=dtype)
        self.size = 0

    def append(self, value: object) -> None:
        if self.size == len(self.data):
            self.data = np.concatenate([self.data, np.zeros_like(self.data)])
        self.data[self.size] = value
        self.size += 1

    @property
    def view(self) -> np.ndarray:
        return self.data[: self.size]


class LexicalView:
    """BM25 statistics over one audience's documents: the only statistics its scores are computed from."""

    def __init__(self, rows: np.ndarray, n_docs: int, average_length: float) -> None:
        self.rows = rows  # a mask over the index's rows: the documents of this view
        self.n_docs = n_docs
        self.average_length = average_length
        self.weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.lock = threading.Lock()


class LexicalIndex:
    """Okapi BM25 (k1=1.2, b=0.75, Lucene idf, each query occurrence counted) with in-place add and remove."""

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
            for number, (doc_id, text) in enumerate(documents, start=1):
                tokens = self.tokenize(text)
                if doc_id in self._row_of:
                    self.remove(doc_id)
                row = self._doc_ids.size
                self._row_of[doc_id] = row
                self._doc_ids.append(doc_id)
                self._lengths.append(len(tokens))
                self._alive.append(True)
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
                self._alive.data[row] = False

    def view(self, doc_ids: np.ndarray) -> LexicalView:
        """Return the statistics of exactly these documents (an audience's view of the collection)."""
        with self._lock:
            size = self._doc_ids.size
            rows = np.fromiter((self._row_of.get(int(d), -1) for d in doc_ids), dtype=np.int64, count=len(doc_ids))
            rows = rows[rows >= 0]
            mask = np.zeros(size, dtype=bool)
            mask[rows] = True
            lengths = self._lengths.view[rows]
        n_docs = len(rows)
        average = float(lengths.sum(dtype=np.float64)) / n_docs if n_docs else 0.0
        return LexicalView(mask, n_docs, average)

    def everything(self) -> LexicalView:
        """Return the view of every document the index holds."""
        with self._lock:
            return self.view(np.fromiter(self._row_of, dtype=np.int64, count=len(self._row_of)))

    def score_arrays(self, query: str, view: LexicalView | None = None, allowed_ids: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Return (doc ids, BM25 scores) of the view's documents (all, by default) that contain a query term,
        among the sorted allowed ids (all of the view's when None), scored with the view's statistics only."""
        view = view or self.everything()
        terms = Counter(self.tokenize(query))  # a term said twice counts twice, as in bm25s and Lucene
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if not terms or view.n_docs == 0:
            return empty
        with self._lock:
            lengths, alive, doc_ids = self._lengths.view, self._alive.view, self._doc_ids.view
            in_view = view.rows
            total: np.ndarray | None = None
            for term, count in terms.items():
                weighted = view.weights.get(term)
                if weighted is None:
                    posting = self._posting(term)
                    if posting is None:
                        continue
                    weighted = self._weigh(posting, view, lengths, alive, in_view)
                    if weighted is None:
                        continue
                    if len(weighted[0]) >= CACHE_WEIGHTS_FROM:
                        with view.lock:
                            if len(view.weights) >= CACHED_TERMS_PER_VIEW:
                                view.weights.pop(next(iter(view.weights)))
                            view.weights[term] = weighted
                if total is None:
                    total = np.zeros(len(doc_ids), dtype=np.float32)
                total[weighted[0]] += weighted[1] if count == 1 else count * weighted[1]
            if total is None:
                return empty
            hit_rows = np.flatnonzero(total)
            hit_ids = doc_ids[hit_rows]
        if allowed_ids is not None:
            hit_rows, hit_ids = _keep_allowed(hit_rows, hit_ids, allowed_ids)
        return hit_ids, total[hit_rows]

    def _weigh(self, posting: tuple[np.ndarray, np.ndarray], view: LexicalView, lengths: np.ndarray,
               alive: np.ndarray, in_view: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Return a term's rows in the view and their BM25 weights, or None when no document of the view has it."""
        rows, freqs = posting
        made = rows < len(in_view)  # documents added after the view was made are not in it
        rows, freqs = rows[made], freqs[made]
        live = in_view[rows] & alive[rows]
        rows, freqs = rows[live], freqs[live]
        df = len(rows)
        if df == 0:
            return None
        idf = np.float32(np.log(1.0 + (view.n_docs - df + 0.5) / (df + 0.5)))
        norm = self.k1 * (1.0 - self.b + self.b * lengths[rows] / view.average_length)
        return rows, idf * freqs * (self.k1 + 1.0) / (freqs + norm)

    def scores(self, query: str, view: LexicalView | None = None) -> dict[int, float]:
        """Return BM25 scores of the view's documents (all, by default) that contain a query term."""
        ids, scores = self.score_arrays(query, view)
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
