"""Limit failed sign-ins per username and per client address within a sliding minute.

The counts live in this process's memory: when several worker processes serve the site, each keeps its own
count, so an attacker who is spread over all of them gets up to (workers x limit) tries a minute. That is
still a small, bounded number; a shared store (the database) would make it exact at the cost of a write per
failed sign-in. Behind a reverse proxy every client has the proxy's address unless the server is started
with the proxy's forwarded-address headers trusted (uvicorn --proxy-headers --forwarded-allow-ips=…).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

MAX_KEYS = 10_000


class LoginLimiter:
    """A sliding-window count of recent failed sign-ins, by key ('user:NAME', 'addr:1.2.3.4')."""

    def __init__(self, limit: int, *, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        found = self._failures.get(key)
        if found is None:
            return deque()
        while found and found[0] <= now - self.window:
            found.popleft()
        if not found:
            del self._failures[key]
        return found

    def retry_after(self, keys: Iterable[str]) -> int | None:
        """Return the seconds to wait when any key has used up its failures this minute; None when free."""
        with self._lock:
            now = self.clock()
            waits = [math.ceil(recent[-self.limit] + self.window - now)
                     for key in keys if len(recent := self._recent(key, now)) >= self.limit]
        return max(1, *waits) if waits else None

    def fail(self, keys: Iterable[str]) -> None:
        """Count a failed sign-in against every key."""
        with self._lock:
            now = self.clock()
            if len(self._failures) >= MAX_KEYS:
                for key in list(self._failures):
                    self._recent(key, now)
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)

    def forget(self, key: str) -> None:
        """Clear a key's failures (a user who signed in successfully)."""
        with self._lock:
            self._failures.pop(key, None)


def sign_in_keys(username: str, address: str | None) -> list[str]:
    """Return what a sign-in attempt counts against: the username (case-folded) and the client address."""
    return [f"user:{username.casefold()}", f"addr:{address or 'unknown'}"]
