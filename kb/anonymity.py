"""Anonymity: the text an outsider reads of an entry shared anonymously, every state's identifying terms replaced.

Robust by design rather than by a longer word list. Words are compared after Unicode NFKC, with zero-width
characters and soft hyphens removed, common Cyrillic and Greek look-alike letters read as Latin, accents and case
folded; a term's word of six letters or more also matches one edit away (a typo, a missing or doubled letter, two
letters swapped: optimal string alignment distance 1, computed by rapidfuzz). A state's two-letter code matches as
an upper-case word (also glued to digits, `XA2016`, or between underscores) and as a lower-case web domain
(`www.nra.xa`). Every state's terms are replaced by the same neutral token, not only the host's, so which words
went says nothing about whose entry it is.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

REDACTED = "[state]"
FUZZY_FROM = 6  # letters: a term word this long also matches one edit away

# Characters that render as nothing (or as a break opportunity only) and so can hide inside a name.
_INVISIBLE = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_LETTERS = re.compile(rf"(?:[^\W\d_]|[{_INVISIBLE}{_MARKS}])+")
_DROP = dict.fromkeys(
    [*range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065),
     0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0xFEFF]
)
_LOOK_ALIKES = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    # Greek
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Latin letters that look like others
    "ı": "i", "ȷ": "j", "ɡ": "g", "ℓ": "l",
})
_MAX_GAP = 3  # characters allowed between the words of a multi-word term ("Port-Aldor", "Port  Aldor")
_GAP = re.compile(r"[\s\-‐‑‒–—_'’.,]*")


_NEUTRAL = re.compile(re.escape(REDACTED) + r"(?:['’]s\b)?")


def without_redactions(text: str) -> str:
    """Return text with the neutral token (and a possessive on it) left out: nothing is to match or count it."""
    return _NEUTRAL.sub(" ", text)


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Return the form a word is compared in: NFKC, invisible characters dropped, look-alikes read as Latin,
    accents removed, case folded."""
    if word.isascii():
        return word.lower()
    word = unicodedata.normalize("NFKC", word).translate(_DROP).translate(_LOOK_ALIKES)
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _visible(word: str) -> str:
    """Return the word without the invisible characters (case kept), as a reader sees it."""
    return unicodedata.normalize("NFKC", word).translate(_DROP).translate(_LOOK_ALIKES)


@dataclass(frozen=True)
class Replacement:
    """One stretch of the original text that was replaced, and the state whose term it matched."""

    start: int
    end: int
    original: str
    state: str


@dataclass(frozen=True)
class Redacted:
    """Text with every identifying term replaced, and what was replaced where (in the original)."""

    text: str
    replacements: tuple[Replacement, ...]

    @property
    def changed(self) -> bool:
        return bool(self.replacements)


_Word = tuple[int, int, str, str]  # start, end, as written, folded


class Matcher:
    """Finds every state's identifying terms in text (see the module docstring for how robustly)."""

    def __init__(self, terms: Mapping[str, Iterable[str]], codes: Iterable[str]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        words: set[str] = set()
        for state, written in terms.items():
            for term in written:
                folded = tuple(fold(w.group()) for w in _LETTERS.finditer(term))
                if not folded:
                    continue
                words.update(folded)
                self._by_first.setdefault(folded[0], []).append((folded, state))
        for entries in self._by_first.values():
            entries.sort(key=lambda entry: -len(entry[0]))  # the longest term wins where several start here
        self._words = frozenset(words)
        self._long_words = [w for w in sorted(words) if len(w) >= FUZZY_FROM]
        self._codes = {code.upper(): code.upper() for code in codes if len(code) == 2 and code.isalpha()}
        self._memo: dict[str, frozenset[str]] = {}
        self._memo_lock = threading.Lock()

    def _candidates(self, folded: str) -> frozenset[str]:
        """Return the term words this (folded) word is, or is one edit away from."""
        found = self._memo.get(folded)
        if found is not None:
            return found
        matches = {folded} if folded in self._words else set()
        if len(folded) >= FUZZY_FROM - 1:
            for word in self._long_words:
                near = abs(len(word) - len(folded)) <= 1 and OSA.distance(word, folded, score_cutoff=1) <= 1
                glued = len(folded) > len(word) + 1 and word in folded  # "Aldoriastation", "preAldoria"
                if near or glued:
                    matches.add(word)
        found = frozenset(matches)
        with self._memo_lock:
            if len(self._memo) > 500_000:  # a corpus's vocabulary is far smaller; this only bounds a flood
                self._memo.clear()
            self._memo[folded] = found
        return found

    def _code_at(self, text: str, word: _Word) -> str | None:
        """Return the state whose code this word is: upper case as written, or a lower-case web domain."""
        start, end, raw, folded = word
        if len(folded) != 2 or folded.upper() not in self._codes:
            return None
        visible = _visible(raw)
        if visible in self._codes:
            return self._codes[visible]
        if visible.islower() and start > 1 and text[start - 1] == ".":
            after = text[end] if end < len(text) else ""
            if text[start - 2].isalnum() and not after.isalnum():
                return self._codes[visible.upper()]
        return None

    def _may_contain(self, text: str) -> bool:
        """Tell quickly whether any word of the text could start a match (most texts name no state)."""
        for raw in set(_LETTERS.findall(text)):
            folded = fold(raw)
            if self._candidates(folded) or (len(folded) == 2 and folded.upper() in self._codes):
                return True
        return False

    def find(self, text: str) -> list[Replacement]:
        """Return the stretches of the text that are some state's identifying term, in order."""
        if not self._may_contain(text):
            return []
        words = [(m.start(), m.end(), m.group(), fold(m.group())) for m in _LETTERS.finditer(text)]
        found: list[Replacement] = []
        index = 0
        while index < len(words):
            match = self._match_at(text, words, index)
            if match is None:
                index += 1
                continue
            length, state = match
            start, end = words[index][0], words[index + length - 1][1]
            found.append(Replacement(start, end, text[start:end], state))
            index += length
        return found

    def _match_at(self, text: str, words: list[_Word], index: int) -> tuple[int, str] | None:
        code = self._code_at(text, words[index])
        best: tuple[int, str] | None = (1, code) if code else None
        for first in self._candidates(words[index][3]):
            for term, state in self._by_first.get(first, ()):
                if best is not None and len(term) <= best[0]:
                    break
                if self._continues(text, words, index, term):
                    best = (len(term), state)
                    break
        return best

    def _continues(self, text: str, words: list[_Word], index: int, term: tuple[str, ...]) -> bool:
        """Tell whether the words from `index` on spell the whole term, with only small gaps between them."""
        if index + len(term) > len(words):
            return False
        for offset in range(1, len(term)):
            gap = text[words[index + offset - 1][1] : words[index + offset][0]]
            if len(gap) > _MAX_GAP or _GAP.fullmatch(gap) is None:
                return False
            if term[offset] not in self._candidates(words[index + offset][3]):
                return False
        return True

    def redact(self, text: str) -> Redacted:
        """Return the text with every identifying term replaced by the neutral token."""
        if not text:
            return Redacted(text, ())
        replacements = tuple(self.find(text))
        if not replacements:
            return Redacted(text, ())
        parts: list[str] = []
        position = 0
        for replacement in replacements:
            parts.append(text[position : replacement.start])
            parts.append(REDACTED)
            position = replacement.end
        parts.append(text[position:])
        return Redacted("".join(parts), replacements)


# -- what looks identifying but is in no list (shown to the host before it confirms) -------------------

_IDENTIFIER = re.compile(r"\b(?:[A-Z]{1,6}[-/ ]?\d[\w/.-]*\d|\d{2,}[-/]\d[\w/-]*|No\.\s?\d+[\w/-]*)\b")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:[ -](?:of |de |la |du |the )?[A-Z][a-z]+)*\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*(?:[-*#>]+\s*)?|\(\s*)$")
_COMMON_CAPITALISED = frozenset({
    "The", "This", "That", "These", "Those", "A", "An", "In", "On", "At", "By", "For", "From", "With", "After",
    "Before", "During", "Each", "Every", "All", "Some", "Most", "Our", "Their", "Its", "It", "We", "They", "When",
    "Where", "What", "Why", "How", "Who", "If", "As", "To", "Of", "And", "But", "Or", "Not", "No", "Yes",
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "Context", "Results", "Lessons", "Done", "Background", "Outcome", "Summary",
})


@dataclass(frozen=True)
class Suspect:
    """A stretch of text that may identify the host although it is in no list of identifying terms."""

    start: int
    end: int
    text: str
    reason: str


def suspects(text: str, replaced: Iterable[Replacement] = ()) -> list[Suspect]:
    """Return what looks identifying but was not replaced: capitalised names, licence and report numbers."""
    taken = [(r.start, r.end) for r in replaced]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    found: list[Suspect] = []
    for match in _IDENTIFIER.finditer(text):
        if free(match.start(), match.end()):
            found.append(Suspect(match.start(), match.end(), match.group(),
                                 "looks like a licence, report or case number"))
            taken.append((match.start(), match.end()))
    lowered = {w.casefold() for w in re.findall(r"\b[a-z]+\b", text)}
    for match in _CAPITALISED.finditer(text):
        words = match.group().split()
        if not free(match.start(), match.end()) or all(w in _COMMON_CAPITALISED for w in words):
            continue
        at_start = _SENTENCE_START.search(text[: match.start()]) is not None
        if len(words) == 1 and (at_start or words[0].casefold() in lowered):
            continue  # a sentence's first word, or a word the text also uses in lower case
        found.append(Suspect(match.start(), match.end(), match.group(), "a capitalised name in no list"))
    return sorted(found, key=lambda s: s.start)
