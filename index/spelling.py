"""'Did you mean …': a misspelt description corrected towards the words one audience may see.

The word list of an audience is the words of exactly the entries its viewers may see, in the form they see
them (index.words), plus the vocabularies' labels and synonyms, which are public. A word of the description
that the list holds is kept; one it does not hold becomes the closest word of the list (by edit distance,
rapidfuzz) when one is close enough — ties go to the word more entries hold. So no word that only hidden
entries contain can ever be offered.

When: a description that finds fewer than SUGGEST_BELOW practices. The fused score is standardised per query,
so "a weak top score" has no scale that means the same on every collection; the number found does.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from index.words import words_of
from kb.vocabulary import Vocabulary

SUGGEST_BELOW = 3  # practices found: fewer, and the description is offered corrected
MIN_RATIO = 75.0  # rapidfuzz ratio (0–100) a correction must reach
MAX_EDITS = 2  # and at most this many single-character edits away

_WORD = re.compile(r"[A-Za-z]{3,}")


def vocabulary_words(vocabularies: Mapping[str, Vocabulary]) -> set[str]:
    """Return the words of every vocabulary's labels and synonyms."""
    return {w for v in vocabularies.values() for t in v.terms.values()
            for w in words_of(" ".join((t.label, *t.synonyms)))}


class Speller:
    """Correct descriptions towards one audience's words."""

    def __init__(self, counts: Mapping[str, int], extra: Iterable[str] = ()) -> None:
        self.counts = {**{w: 0 for w in extra}, **counts}
        self.words = list(self.counts)

    def correct_word(self, word: str) -> str | None:
        """Return the closest known word to an unknown one (None when the word is known or nothing is close)."""
        key = word.casefold()
        if key in self.counts or not self.words or not words_of(key):  # known, or a stop word
            return None
        found = process.extract(key, self.words, scorer=fuzz.ratio, score_cutoff=MIN_RATIO, limit=8)
        close = [(w, score) for w, score, _ in found if Levenshtein.distance(key, w) <= MAX_EDITS]
        if not close:
            return None
        best, _ = max(close, key=lambda item: (item[1], self.counts[item[0]], item[0]))
        return best

    def suggest(self, query: str) -> str | None:
        """Return the description with its unknown words corrected, or None when nothing changes."""
        changed = False
        pieces: list[str] = []
        done = 0
        for match in _WORD.finditer(query):
            correction = self.correct_word(match.group())
            if correction is None:
                continue
            pieces += [query[done:match.start()], correction]
            done = match.end()
            changed = True
        if not changed:
            return None
        return "".join([*pieces, query[done:]])


class LazySpeller:
    """An audience's speller, built the first time one of its viewers' descriptions finds little."""

    def __init__(self, build: Callable[[], Speller]) -> None:
        self._build = build
        self._built: Speller | None = None
        self._lock = threading.Lock()

    def get(self) -> Speller:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built
