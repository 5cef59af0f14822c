"""A small thread-safe least-recently-used map: the one cache mechanism of the search side."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """Keeps the `size` most recently used values; `get_or_build` builds a missing one outside the lock."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        found = self.get(key)
        if found is None:
            found = build()
            self.put(key, found)
        return found

    def drop_where(self, stale: Callable[[K], bool]) -> None:
        """Forget every entry whose key is stale (e.g. made at an older change sequence)."""
        with self._lock:
            for key in [k for k in self._items if stale(k)]:
                del self._items[key]

    def __len__(self) -> int:
        return len(self._items)
