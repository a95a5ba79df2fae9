"""Token buckets in memory, one per key name or client address: `burst` requests at once, then
`per_minute` a minute. Per process: behind several workers each has its own buckets."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`wait(name)` takes a token from `name`'s bucket: 0 when there was one, else the seconds
    until there will be (nothing is taken then). Full buckets are forgotten once `max_names`
    are held, so a flood of addresses cannot grow the table without end."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_names: int = 10_000,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._max = max_names
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def wait(self, name: str) -> float:
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(name)
            if bucket is None:
                if len(self._buckets) >= self._max:
                    self._forget_full(now)
                bucket = self._buckets[name] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def refund(self, name: str) -> None:
        """Give back a token taken for a request another limit then refused."""
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is not None:
                bucket.tokens = min(self.burst, bucket.tokens + 1.0)

    def _forget_full(self, now: float) -> None:
        full = [n for n, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]
        for name in full:
            del self._buckets[name]
        if len(self._buckets) >= self._max:  # all busy: drop the oldest half rather than grow
            for name in sorted(self._buckets, key=lambda n: self._buckets[n].at)[: self._max // 2]:
                del self._buckets[name]


def retry_after(seconds: float) -> str:
    """The Retry-After header: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
