"""The vector index behind a small interface, so callers never build a concrete FAISS index."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np


class VectorIndex(Protocol):
    """Inner-product search over unit vectors keyed by int64 ids, filtered by an allow-list."""

    dim: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]: ...

    def save(self, path: Path) -> None: ...

    def __len__(self) -> int: ...


HALF_PRECISION_FROM = 50_000
"""From this many vectors the exhaustive scan stores float16: half the memory, about three times faster a scan
(at 200,000 vectors: 5.6 ms instead of 16.6 ms), the same neighbours (recall@10 1.000 against float32). Below,
float32 keeps the quality benchmarks bit-for-bit exact. Measured in docs/performance.md."""


class FlatVectorIndex:
    """Exhaustive search (FAISS flat, float32 or float16, under an id map); the allow-list filters before ranking."""

    def __init__(self, dim: int, index: faiss.Index | None = None, *, half: bool = False) -> None:
        self.dim = dim
        if index is None:
            inner = (faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
                     if half else faiss.IndexFlatIP(dim))
            index = faiss.IndexIDMap2(inner)
        self._index = index
        self._selectors: OrderedDict[int, tuple[np.ndarray, np.ndarray, faiss.IDSelector]] = OrderedDict()
        self._selectors_lock = threading.Lock()

    @property
    def half(self) -> bool:
        """Tell whether vectors are stored as float16."""
        inner = faiss.downcast_index(self._index.index)  # type: ignore[attr-defined]  # faiss's stubs lack IndexIDMap2.index
        return isinstance(inner, faiss.IndexScalarQuantizer)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self._index.remove_ids(faiss.IDSelectorBatch(ids.astype(np.int64)))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, scores) of the k best vectors among the allowed ids, best first."""
        if k <= 0 or self._index.ntotal == 0 or (allowed is not None and len(allowed) == 0):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=self._selector(allowed))  # type: ignore[call-arg]  # a SWIG keyword
            k = min(k, len(allowed))
        k = min(k, self._index.ntotal)
        # One query gains nothing from OpenMP threads, and on a few shared cores their barriers cost four times
        # the scan (200,000 vectors: 44 ms with two threads, 10 ms with one). The setting is per thread.
        faiss.omp_set_num_threads(1)
        scores, ids = self._index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def _selector(self, allowed: np.ndarray) -> faiss.IDSelector:
        """Return a bitmap selector of the allowed ids, reused while the caller passes the same array.

        A visible set's passages are one cached array, so its selector is built once, not per query; a bitmap
        answers membership in one lookup, where a hashed batch of ids costs more than the scan it filters.
        """
        with self._selectors_lock:
            cached = self._selectors.get(id(allowed))
            if cached is not None and cached[0] is allowed:
                self._selectors.move_to_end(id(allowed))
                return cached[2]
        ids = allowed.astype(np.int64)
        ids = ids[ids >= 0]
        bits = np.zeros(int(ids.max()) // 8 + 1 if len(ids) else 1, dtype=np.uint8)
        np.bitwise_or.at(bits, ids >> 3, np.left_shift(1, ids & 7).astype(np.uint8))
        selector = faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits))
        with self._selectors_lock:
            self._selectors[id(allowed)] = (allowed, bits, selector)  # the arrays live as long as the selector
            while len(self._selectors) > 64:
                self._selectors.popitem(last=False)
        return selector

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # one per writer
        faiss.write_index(self._index, str(tmp))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> FlatVectorIndex:
        index = faiss.read_index(str(path))
        return cls(index.d, index)

    def __len__(self) -> int:
        return int(self._index.ntotal)


def new_vector_index(dim: int, *, size: int = 0) -> VectorIndex:
    """Create the vector index the product uses for about `size` vectors (the choice is made at each rebuild)."""
    return FlatVectorIndex(dim, half=size >= HALF_PRECISION_FROM)


def load_vector_index(path: Path) -> VectorIndex:
    """Read a saved vector index."""
    return FlatVectorIndex.load(path)
