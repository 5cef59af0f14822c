"""Split a practice into passages to embed, each carrying its entry's title and tags as context."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

_MARKDOWN_NOISE = re.compile(r"(^|\n)\s{0,3}(#{1,6}|[-*+]|\d+\.)\s+|[*_`>|]+|\[([^\]]*)\]\([^)]*\)")
_PARAGRAPH = re.compile(r"\n\s*\n")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "cf.", "no.", "vs.", "dr.", "st.", "mr.", "ms.", "art.", "para.", "fig.")
_INITIAL = re.compile(r"[a-z]\.")  # "J. Smith": an initial, not a sentence's end
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")


def plain_text(markdown: str) -> str:
    """Strip the Markdown markup that carries no meaning for an embedding."""
    return _MARKDOWN_NOISE.sub(lambda m: (m.group(1) or "") + (m.group(3) or ""), markdown).strip()


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences (not after common abbreviations such as "e.g.")."""
    parts: list[str] = []
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        before = text[start:boundary.start() + 1].rsplit(" ", 1)[-1].casefold()
        if before.endswith(_ABBREVIATIONS) or _INITIAL.fullmatch(before):
            continue
        parts.append(text[start:boundary.end()].strip())
        start = boundary.end()
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _chunks(text: str, words_per_chunk: int) -> list[str]:
    """Pack whole sentences into chunks of at most `words_per_chunk` words, of even length.

    As few chunks as the words need, each filled towards an equal share: a body of 170 words becomes two of
    about 85, not one of 160 and a stub of 10 (a stub of a few generic words is close to every description).
    Only a sentence longer than a whole chunk is cut, between words.
    """
    units: list[list[str]] = []
    for paragraph in _PARAGRAPH.split(text):
        for sentence in split_sentences(" ".join(paragraph.split())):
            words = sentence.split()
            while words:
                units.append(words[:words_per_chunk])
                words = words[words_per_chunk:]
    total = sum(len(unit) for unit in units)
    count = math.ceil(total / words_per_chunk)
    while True:  # sentences rarely fit the shares exactly: one chunk more, until no stub is left over
        chunks = _even(units, total, count, words_per_chunk)
        if len(chunks) <= count:
            return [" ".join(chunk) for chunk in chunks]
        count += 1


def _even(units: list[list[str]], total: int, count: int, most: int) -> list[list[str]]:
    """Pack the units in order, closing a chunk where it comes nearest an equal share of what is left."""
    chunks: list[list[str]] = []
    current: list[str] = []
    left = total  # words not yet in a finished chunk
    for unit in units:
        longer = len(current) + len(unit)
        share = left / max(1, count - len(chunks))
        if current and (longer > most or abs(len(current) - share) < abs(longer - share)):
            chunks.append(current)
            left -= len(current)
            current = []
        current.extend(unit)
    if current:
        chunks.append(current)
    return chunks


def passage_texts(
    *, title: str, summary: str, body: str, tag_labels: Sequence[str] = (), words: int = 160
) -> list[str]:
    """Return the passages of a practice: its summary first, then its body in chunks."""
    context = title.strip().rstrip(".")
    if tag_labels:
        context += f" ({', '.join(tag_labels)})"
    passages = [f"{context}. {summary.strip()}".strip()]
    for chunk in _chunks(plain_text(body), words):
        passages.append(f"{context}. {chunk}")
    return passages
