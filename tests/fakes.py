"""A deterministic stand-in embedder, for unit tests whose subject is not search quality."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


class FakeEmbedder:
    """Hashes words into a 32-dimensional unit vector: similar words, similar vectors; no model."""

    name = "fake-embedder"
    dim = 32

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row]) or 1.0
            out[row] /= norm
        return out

    def encode_query(self, text: str, *, requester: str | None = None) -> np.ndarray:
        return self.encode([text])[0]
