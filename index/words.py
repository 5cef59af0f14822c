"""The words each BM25 document holds, as written (not stemmed), so an audience's word list is exactly theirs.

"Did you mean" may offer only words of the entries a viewer may see, in the form they see them. The lexical
index keeps stems, which are not words to offer ("sabotag"), so this keeps each document's distinct words as
ids into one shared vocabulary (four bytes a word a document).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator

import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS

_WORD = re.compile(r"[a-z]{3,}")  # letters only: numbers and codes are not corrected
_STOPWORDS = frozenset(STOPWORDS_EN_PLUS)


def words_of(text: str) -> list[str]:
    """Return the words of a text worth correcting towards: lower case, letters only, no stop words."""
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS]


class WordIndex:
    """Each document's distinct words, added and removed with the lexical index."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._words: list[str] = []
        self._docs: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def add(self, doc_id: int, text: str) -> None:
        """Record a document's words, replacing any earlier version with its id."""
        words = set(_WORD.findall(text.casefold()))
        words -= _STOPWORDS
        with self._lock:
            ids = self._ids
            for word in words:
                if word not in ids:
                    ids[word] = len(self._words)
                    self._words.append(word)
            self._docs[doc_id] = np.fromiter(map(ids.__getitem__, words), dtype=np.int32, count=len(words))

    def passing(self, documents: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
        """Record the words of documents as they pass on to another index."""
        for doc_id, text in documents:
            self.add(doc_id, text)
            yield doc_id, text

    def remove(self, doc_id: int) -> None:
        """Forget a document's words."""
        with self._lock:
            self._docs.pop(doc_id, None)

    def counts(self, doc_ids: Iterable[int]) -> dict[str, int]:
        """Return how many of these documents hold each word (only words some of them hold)."""
        with self._lock:
            arrays = [self._docs[d] for d in doc_ids if d in self._docs]
            words = self._words
        if not arrays:
            return {}
        ids, counts = np.unique(np.concatenate(arrays), return_counts=True)
        return {words[i]: int(c) for i, c in zip(ids.tolist(), counts.tolist(), strict=True)}
