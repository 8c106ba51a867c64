"""Token-bucket rate limiting per client IP, as a pure ASGI middleware.

Each client IP has a bucket of ``burst`` tokens that refills at
``per_minute / 60`` tokens a second; every request to a limited path takes one
token, and a request finding the bucket empty gets 429 with ``Retry-After``
(whole seconds until a token is back).  CORS preflights (OPTIONS) are free.

The client IP is the ASGI ``client`` address: behind a reverse proxy run
uvicorn with ``--proxy-headers --forwarded-allow-ips=<proxy>`` so it is the real
client.  Buckets live in the worker's memory: with N workers a client may get
up to N times the rate.  The table is bounded (idle, full buckets are dropped).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from typing import Callable

from .errors import send_error


class TokenBucketLimiter:
    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("per_minute must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = per_minute / 60.0  # tokens per second
        self.burst = float(burst)
        self.max_clients = max_clients
        self.clock = clock
        # key -> (tokens, last update); ordered by last use, oldest first
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0.0 if allowed, else seconds until one is available."""
        now = self.clock()
        buckets = self._buckets
        entry = buckets.get(key)
        if entry is None:
            tokens = self.burst
            if len(buckets) >= self.max_clients:
                self._evict(now)
        else:
            tokens, last = entry
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            buckets.move_to_end(key)
        if tokens >= 1.0:
            buckets[key] = (tokens - 1.0, now)
            return 0.0
        buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _evict(self, now: float) -> None:
        # Buckets that have refilled completely hold no state worth keeping.
        full_after = self.burst / self.rate
        for key in [k for k, (_, last) in self._buckets.items() if now - last >= full_after]:
            del self._buckets[key]
        while len(self._buckets) >= self.max_clients:
            self._buckets.popitem(last=False)  # least recently used

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimitMiddleware:
    """Applies a TokenBucketLimiter to HTTP requests whose path starts with a prefix."""

    def __init__(self, app, limiter: TokenBucketLimiter, prefixes: tuple[str, ...] = ("/v1/",)) -> None:
        self.app = app
        self.limiter = limiter
        self.prefixes = prefixes

    async def __call__(self, scope, receive, send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] != "OPTIONS"
            and scope["path"].startswith(self.prefixes)
        ):
            client = scope.get("client")
            key = client[0] if client else "unknown"
            wait = self.limiter.take(key)
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                await send_error(
                    send,
                    429,
                    "rate_limited",
                    f"Too many requests; retry after {seconds} second{'s' if seconds != 1 else ''}.",
                    headers={"Retry-After": str(seconds)},
                )
                return
        await self.app(scope, receive, send)
