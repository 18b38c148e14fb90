"""Outbound pacing: a global request rate plus a per-key (per-channel) rate, platform-neutral.

``Pacer.acquire(key)`` waits until one more request fits both budgets, then records it. Each
budget is a sliding window over the times requests really went out (``limit`` per ``period``),
stretched by a small ``margin`` so that network jitter cannot make the platform count one too
many. A burst therefore goes out at the platform's rate without a single 429; a 429 that still
arrives (another client sharing the token, a smaller limit than configured) is honoured with
``back_off(retry_after, key)``. ``slot(key)`` (an async context manager around the HTTP call)
counts a request until its answer arrives, so even a request that reaches the platform late
cannot crowd a window.

Defaults match Discord (50 requests/s per bot; about 5 messages per 5 s per channel); Slack uses
``Pacer(limit=1, period=1.0, ...)`` per channel. Adapters wrap each HTTP call in ``acquire``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

INFLIGHT = float("inf")
POLL = 0.005


class _Entry:
    """One request in a window: when it was sent, or (with ``slot``) when its answer came."""

    __slots__ = ("t",)

    def __init__(self, t: float) -> None:
        self.t = t


@dataclass
class _Window:
    limit: int
    period: float
    sent: deque[_Entry] = field(default_factory=deque)
    blocked_until: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def wait_time(self, now: float, span: float) -> float:
        while self.sent and self.sent[0].t <= now - span:
            self.sent.popleft()
        wait = self.blocked_until - now
        if len(self.sent) >= self.limit:
            live = sorted(e.t for e in self.sent if e.t > now - span)
            if len(live) >= self.limit:
                oldest = live[len(live) - self.limit]
                wait = max(wait, POLL if oldest == INFLIGHT else oldest + span - now)
        return max(wait, 0.0)


class Pacer:
    def __init__(
        self,
        limit: int = 50,
        period: float = 1.0,
        *,
        key_limit: int | None = 5,
        key_period: float = 5.0,
        margin: float = 0.01,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        max_keys: int = 100_000,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be at least 1 and period positive")
        self.margin = margin
        self.clock = clock
        self.sleep = sleep
        self.max_keys = max_keys
        self._global = _Window(limit, period)
        self._key_limit = key_limit
        self._key_period = key_period
        self._keys: dict[str, _Window] = {}
        self.waited = 0.0
        """Total seconds callers spent waiting (for benchmarks and logs)."""
        self.latency = 0.05
        """A moving average of how long a ``slot`` request takes to be answered (seconds)."""
        self.requests = 0
        """Requests let through (for benchmarks)."""

    @property
    def rate(self) -> float:
        """The global budget in requests per second."""
        return self._global.limit / self._global.period

    def demand(self) -> float:
        """How many senders keep the whole budget busy: a second's worth of requests, plus
        those in flight while they are answered (rate × answer time, Little's law). More only
        queue here; fewer leave budget unused while a sender works between requests."""
        return self.rate * (1.0 + self.latency)

    def _key(self, key: str) -> _Window:
        win = self._keys.get(key)
        if win is None:
            assert self._key_limit is not None
            if len(self._keys) >= self.max_keys:
                self._forget_idle()
            win = self._keys[key] = _Window(self._key_limit, self._key_period)
        return win

    def _forget_idle(self) -> None:
        now = self.clock()
        for k in [k for k, w in self._keys.items() if w.wait_time(now, w.period) == 0.0]:
            if not self._keys[k].lock.locked():
                del self._keys[k]

    async def _pass(self, win: _Window) -> None:
        span = win.period * (1 + self.margin)
        while True:
            wait = win.wait_time(self.clock(), span)
            if wait <= 0:
                return
            self.waited += wait
            await self.sleep(wait)

    async def acquire(self, key: str | None = None) -> None:
        """Wait for room under the per-key budget, then the global one; count the request as
        sent now."""
        for entry in await self._take(key):
            entry.t = self.clock()

    @asynccontextmanager
    async def slot(self, key: str | None = None) -> AsyncIterator[None]:
        """Like ``acquire``, but the request counts until its answer arrives: exact however
        late the request reaches the platform (event-loop stalls, slow connections)."""
        entries = await self._take(key)
        start = self.clock()
        try:
            yield
        finally:
            done = self.clock()
            for entry in entries:
                entry.t = done
            self.latency += 0.1 * (done - start - self.latency)

    async def _take(self, key: str | None) -> list[_Entry]:
        self.requests += 1
        if key is None or self._key_limit is None:
            async with self._global.lock:
                await self._pass(self._global)
                entry = _Entry(INFLIGHT)
                self._global.sent.append(entry)
            return [entry]
        win = self._key(key)
        async with win.lock:
            await self._pass(win)
            async with self._global.lock:
                await self._pass(self._global)
                entry, mine = _Entry(INFLIGHT), _Entry(INFLIGHT)
                self._global.sent.append(entry)
            win.sent.append(mine)
        return [entry, mine]

    def back_off(self, retry_after: float, key: str | None = None) -> None:
        """The platform said 429: send nothing more (for this key, or at all) for a while."""
        until = self.clock() + max(retry_after, 0.0)
        win = self._global if key is None or self._key_limit is None else self._key(key)
        win.blocked_until = max(win.blocked_until, until)
