"""Back-pressure: per-client token buckets (429) and a bounded number of answering requests at once (503).

Both live in memory in the serving process. A client is its IP address, or a known key sent as `X-API-Key`
(settings.client_keys), so a portal's backend that calls for many users gets a bucket of its own; an unknown
key counts as no key, or anyone could mint fresh buckets.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import anyio

from core.config import Settings

MAX_CLIENTS = 100_000  # buckets kept; the least recently seen client is forgotten first (its bucket refills)


@dataclass(frozen=True)
class Rate:
    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


def rates_from(settings: Settings) -> dict[str, Rate]:
    """The groups that are limited (a rate of 0 per minute is off)."""
    rates = {
        "chat": Rate(settings.rate_chat_per_minute, settings.rate_chat_burst),
        "feedback": Rate(settings.rate_feedback_per_minute, settings.rate_feedback_burst),
        "material": Rate(settings.rate_material_per_minute, settings.rate_material_burst),
    }
    return {group: rate for group, rate in rates.items() if rate.per_minute > 0}


class RateLimiter:
    """Token buckets per (group, client): `burst` requests at once, refilled at `per_minute`."""

    def __init__(self, rates: dict[str, Rate], clock: Callable[[], float] = time.monotonic) -> None:
        self.rates = rates
        self.clock = clock
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()  # tokens, last time

    def take(self, group: str, client: str) -> int:
        """0 when the request may go on (a token taken), else the whole seconds to wait for the next token."""
        rate = self.rates.get(group)
        if rate is None:
            return 0
        now, key = self.clock(), (group, client)
        tokens, last = self._buckets.pop(key, (float(rate.burst), now))
        tokens = min(float(rate.burst), tokens + (now - last) * rate.per_second)
        wait = 0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = max(1, math.ceil((1.0 - tokens) / rate.per_second))
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)
        return wait


class ClientIdentity:
    """Who a request counts against: a known API key, else the client's address."""

    def __init__(self, keys: list[str]) -> None:
        self._known = {_digest(key) for key in keys if key}

    def of(self, headers: dict[bytes, bytes], client: tuple[str, int] | None) -> str:
        key = headers.get(b"x-api-key")
        if key and self._known:
            digest = _digest(key.decode("latin-1"))
            if digest in self._known:
                return f"key:{digest[:16]}"
        return f"ip:{client[0] if client else 'unknown'}"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class InFlightLimiter:
    """At most `limit` requests at once; `queued` more may wait up to `timeout` s for a slot; the rest are refused."""

    def __init__(self, limit: int, queued: int, timeout: float) -> None:
        self.limit, self.queued, self.timeout = limit, queued, timeout
        self.running = 0
        self.waiting = 0
        self._slots: anyio.Semaphore | None = None  # made in the event loop, on first use

    @classmethod
    def from_settings(cls, settings: Settings) -> InFlightLimiter:
        limit = settings.max_in_flight or 2 * (os.cpu_count() or 1)
        queued = settings.max_queued if settings.max_queued is not None else 4 * limit
        return cls(limit, queued, settings.queue_timeout)

    async def acquire(self) -> bool:
        """Take a slot (waiting in the bounded queue if need be); False when the request must be refused."""
        if self._slots is None:
            self._slots = anyio.Semaphore(self.limit)
        try:
            self._slots.acquire_nowait()
        except anyio.WouldBlock:
            if not await self._wait():
                return False
        self.running += 1
        return True

    async def _wait(self) -> bool:
        assert self._slots is not None
        if self.waiting >= self.queued or self.timeout <= 0:
            return False
        self.waiting += 1
        try:
            with anyio.move_on_after(self.timeout):
                await self._slots.acquire()
                return True
            return False
        finally:
            self.waiting -= 1

    def release(self) -> None:
        assert self._slots is not None
        self.running -= 1
        self._slots.release()
