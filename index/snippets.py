"""The passage a result shows: the sentences of the entry that best match the description, and the words to mark.

The texts given are what the viewer may read (the one projection: redacted where the host is hidden), so a
snippet can only ever quote what the viewer may see. The model chose the entry's best passage; within the entry,
each sentence is scored by the description's content words, stemmed as BM25 stems them (Snowball English;
the fuller NLTK list of function words is never counted nor marked), and sentences inside the model's passage
count half a word more. Markdown headings are labels of what follows, never text: they are left out. Cuts fall
at sentence boundaries, or at a word boundary with "…" when one sentence is longer than the room.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator
from typing import NamedTuple

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

from index.lru import LRU
from index.passages import plain_text, split_sentences

ROOM = 320  # characters a snippet may take
PREFIX_FROM = 5  # a query stem this long also marks the words it starts ("cyber" in "cybersecurity")
ENTRIES_KEPT = 2048  # entries whose sentences are remembered (the texts are the key: an edit is a new entry)
STEMS_KEPT = 200_000  # words whose stems are remembered (then forgotten all at once)
IN_PASSAGE = 0.5  # what being in the model's best passage adds to a sentence's score

_WORD = re.compile(r"[A-Za-z0-9]+")
_FUNCTION_WORDS = frozenset(STOPWORDS_EN_PLUS)  # never marked, even where BM25 keeps them ("our", "when")
_HEADING = re.compile(r"^\s{0,3}(#{1,6}\s+.*|\*\*[^*]+\*\*:?|__[^_]+__:?)\s*$")
_LIST_ITEM = re.compile(r"^\s{0,3}([-*+]|\d+[.)])\s+")

Stemmed = Callable[[str], str]


class Sentence(NamedTuple):
    text: str
    block: int  # sentences of one paragraph or list item share a block; a snippet never joins two blocks


class Entry(NamedTuple):
    """An entry's sentences with the stems of each, made once per text (entries recur across searches)."""

    sentences: list[Sentence]
    stems: list[frozenset[str]]


def sentences(summary: str, body: str) -> list[Sentence]:
    """Return the sentences of an entry's summary and Markdown body, headings left out."""
    found: list[Sentence] = []
    block = 0
    for paragraph in [summary, *_blocks(body)]:
        text = " ".join(plain_text(paragraph).split())
        if text:
            found.extend(Sentence(part, block) for part in split_sentences(text))
            block += 1
    return found


def _blocks(body: str) -> Iterator[str]:
    """Yield the body's paragraphs and list items, without its headings."""
    current: list[str] = []
    for line in body.splitlines():
        heading = _HEADING.match(line) is not None
        if heading or not line.strip() or _LIST_ITEM.match(line):
            if current:
                yield " ".join(current)
            current = []
            if heading or not line.strip():
                continue
        current.append(line.strip())
    if current:
        yield " ".join(current)


class Snippets:
    """Choose and mark snippets for descriptions, with the stemmer the lexical ranking uses (Snowball English)."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._lock = threading.Lock()  # PyStemmer objects are not thread-safe
        self._stems: dict[str, str] = dict.fromkeys(_FUNCTION_WORDS, "")  # lower-case word -> stem ("": never)
        self._entries: LRU[tuple[str, str], Entry] = LRU(ENTRIES_KEPT)

    def stem_words(self, words: list[str]) -> list[str]:
        """Return the stem of each lower-case word ("" for a function word), remembering them."""
        known = self._stems
        if len(known) > STEMS_KEPT:
            known = self._stems = dict.fromkeys(_FUNCTION_WORDS, "")
        missing = [w for w in dict.fromkeys(words) if w not in known]
        if missing:
            with self._lock:
                stems = self._stemmer.stemWords(missing)
            known.update(zip(missing, stems, strict=True))
        return [known[w] for w in words]

    def tokenize(self, text: str) -> list[str]:
        """Return the stems of a text's content words."""
        return [stem for stem in self.stem_words([w.casefold() for w in _WORD.findall(text)]) if stem]

    def stems(self, query: str) -> frozenset[str]:
        """Return the stems of a description's content words."""
        return frozenset(self.tokenize(query))

    def _entry(self, summary: str, body: str) -> Entry:
        found = sentences(summary, body)
        words = [[w.casefold() for w in _WORD.findall(s.text)] for s in found]
        stems = iter(self.stem_words([w for sentence in words for w in sentence]))  # one batch for the entry
        return Entry(found, [frozenset(s for s in itertools.islice(stems, len(sentence)) if s) for sentence in words])

    def reading(self, query: str) -> Reading:
        """Return the description prepared once, for choosing and marking the snippets of a page of results."""
        return Reading(self, self.stems(query))

    def matcher(self, query: str) -> Callable[[str], bool]:
        """Return whether a word is one of the description's content words (or shares its stem)."""
        return self.reading(query).matches

    def marks(self, text: str, query: str) -> list[tuple[int, int]]:
        """Return the (start, end) of each word of the text to mark for the description."""
        return self.reading(query).marks(text)

    def choose(self, *, query: str, summary: str, body: str, passage: str = "", room: int = ROOM) -> str:
        """Return the sentence or sentences of the entry that best match the description, within `room`."""
        return self.reading(query).choose(summary=summary, body=body, passage=passage, room=room)

    def entry(self, summary: str, body: str) -> Entry:
        """Return an entry's sentences and their stems (remembered: entries recur across searches)."""
        return self._entries.get_or_build((summary, body), lambda: self._entry(summary, body))


class Reading:
    """One description's content stems, and which words they mark (each word stemmed once per description)."""

    def __init__(self, snippets: Snippets, stems: frozenset[str]) -> None:
        self._snippets = snippets
        self.stems = stems
        self._long = tuple(s for s in stems if len(s) >= PREFIX_FROM)
        self._seen: dict[str, bool] = {}

    def wanted(self, stem: str) -> bool:
        """Return whether a stem is one of the description's (or, for a long one, starts with it)."""
        return stem in self.stems or stem.startswith(self._long)  # an empty tuple starts nothing

    def matches(self, word: str) -> bool:
        """Return whether a word is one of the description's content words (or shares its stem)."""
        key = word.casefold()
        found = self._seen.get(key)
        if found is None:
            stem = self._snippets.stem_words([key])[0]
            found = self._seen[key] = bool(stem) and self.wanted(stem)
        return found

    def marks(self, text: str) -> list[tuple[int, int]]:
        """Return the (start, end) of each word of the text to mark."""
        return [m.span() for m in _WORD.finditer(text) if self.matches(m.group())]

    def choose(self, *, summary: str, body: str, passage: str = "", room: int = ROOM) -> str:
        """Return the sentence or sentences of the entry that best match the description, within `room`."""
        entry = self._snippets.entry(summary, body)
        found = entry.sentences
        if not found:
            return ""
        stems, long = self.stems, self._long
        chosen_passage = " ".join(plain_text(passage).split())
        scores = [len(own & stems) + (sum(1 for stem in own - stems if stem.startswith(long)) if long else 0)
                  + (IN_PASSAGE if chosen_passage and s.text in chosen_passage else 0)
                  for s, own in zip(found, entry.stems, strict=True)]
        best = max(range(len(found)), key=lambda i: (scores[i], -i))
        if scores[best] == 0:
            best = 0  # nothing matches the words: the summary's opening says what the entry is
        return _grow(found, best, scores, room, self.matches)


def _grow(found: list[Sentence], best: int, scores: list[float], room: int, matches: Callable[[str], bool]) -> str:
    """Return the best sentence, joined by its neighbours in the same block while they fit (better one first)."""
    first = last = best
    length = len(found[best].text)
    while True:
        options = [i for i in (first - 1, last + 1) if 0 <= i < len(found) and found[i].block == found[best].block
                   and length + 1 + len(found[i].text) <= room]
        if not options:
            break
        pick = max(options, key=lambda i: (scores[i], -i))
        length += 1 + len(found[pick].text)
        first, last = min(first, pick), max(last, pick)
    text = " ".join(s.text for s in found[first:last + 1])
    return text if len(text) <= room else cut_at_word(text, room, matches)


def cut_at_word(text: str, room: int, matches: Callable[[str], bool]) -> str:
    """Cut a long sentence to about `room` characters at word boundaries, around its first marked word."""
    first = next((m.start() for m in _WORD.finditer(text) if matches(m.group())), 0)
    start = max(0, first - room // 3)
    if start:
        start = text.find(" ", start) + 1 if " " in text[start:] else start
        if start > first:
            start = first
    end = start + room
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


SNIPPETS = Snippets()  # one per process: it holds nothing but a stemmer and the stems of words seen
