"""Split a practice into passages to embed, each carrying its entry's title and tags as context."""

from __future__ import annotations

import re
from collections.abc import Sequence

_MARKDOWN_NOISE = re.compile(r"(^|\n)\s{0,3}(#{1,6}|[-*+]|\d+\.)\s+|[*_`>|]+|\[([^\]]*)\]\([^)]*\)")
_PARAGRAPH = re.compile(r"\n\s*\n")


def plain_text(markdown: str) -> str:
    """Strip the Markdown markup that carries no meaning for an embedding."""
    return _MARKDOWN_NOISE.sub(lambda m: (m.group(1) or "") + (m.group(3) or ""), markdown).strip()


def _chunks(text: str, words_per_chunk: int) -> list[str]:
    """Pack paragraphs into chunks of about `words_per_chunk` words, splitting long paragraphs."""
    chunks: list[str] = []
    current: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        words = paragraph.split()
        while words:
            room = words_per_chunk - len(current)
            if room <= 0:
                chunks.append(" ".join(current))
                current = []
                continue
            current.extend(words[:room])
            words = words[room:]
    if current:
        chunks.append(" ".join(current))
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
