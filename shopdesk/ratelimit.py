"""Rate limits for the public entry points: token buckets per key (a sender, an IP address).

Each key may spend ``burst`` requests at once and earns them back at ``per_minute`` a minute;
a request that finds its bucket empty is refused with the seconds until the next one is
allowed (for ``Retry-After``). Buckets live in this process's memory, at most ``max_keys`` of
them (the least recently used go first), so a flood of new keys cannot exhaust memory. With
several Rasa replicas each one limits on its own (a shared Redis bucket is the scale-out step).

Standard library only: the Rasa channels use it too. Durations use ``time.monotonic``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class RateLimiter:
    def __init__(self, per_minute: float, burst: float | None = None, max_keys: int = 100_000,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else per_minute)
        self.max_keys = max_keys
        self._monotonic = monotonic
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: Hashable) -> tuple[bool, float]:
        """Spend one request of ``key``: (allowed, seconds to wait when it is not)."""
        now = self._monotonic()
        with self._lock:
            tokens, then = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return allowed, 0.0 if allowed else (1.0 - tokens) / self.rate


RATE_LIMITED_REPLY = ("You're sending messages faster than I can read them — please wait a few "
                      "seconds and try again.")
