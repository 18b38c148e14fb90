"""A loopback "platform" that counts deliveries, and a chat port that talks to it over HTTP.

``Sink`` is an aiohttp server on 127.0.0.1. It shows each message once per idempotency key (as
Discord's ``enforce_nonce`` does: a repeat gets the first message's ID back and is counted as a
repeat, not shown again), and can enforce rate limits exactly like the issue describes: at most
``limit`` requests in any ``period`` seconds overall and ``key_limit`` per ``key_period`` per
channel, answering 429 with ``retry_after`` beyond that.

``SinkPort`` is a ``ChatPort`` (platform ``"sink"``) whose ``post``/``dm`` are HTTP calls to the
sink, paced by ``bot.core.pacing.Pacer`` and honouring 429s. Tests and benchmarks use both; a
subprocess dispatcher (``tests/fakes/sink_worker.py``) uses the port.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from bot.core.pacing import Pacer
from bot.port import Access, CalendarEvent, ErrorKind, Message, PlatformError, Unsupported


@dataclass
class Hit:
    at: float  # time.monotonic() on arrival
    wall: float  # time.time() on arrival
    key: str | None
    channel: str


@dataclass
class Sink:
    limit: int | None = None
    period: float = 1.0
    key_limit: int | None = None
    key_period: float = 5.0
    delay: float = 0.0
    shown: Counter[str] = field(default_factory=Counter)
    repeats: Counter[str] = field(default_factory=Counter)
    hits: list[Hit] = field(default_factory=list)
    rejected: int = 0
    arrived: int = 0
    """Requests accepted so far, counted on arrival (``hits`` are recorded when answered)."""
    _window: deque[float] = field(default_factory=deque)
    _per: dict[str, deque[float]] = field(default_factory=dict)
    _ids: dict[str, str] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/post", self._handle)
        app.router.add_post("/dm", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _over(self, q: deque[float], limit: int | None, period: float, now: float) -> float:
        while q and q[0] <= now - period:
            q.popleft()
        if limit is not None and len(q) >= limit:
            return q[0] + period - now
        return 0.0

    async def _handle(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        body = await request.json()
        channel = str(body.get("channel") or body.get("user"))
        key = body.get("key")
        per = self._per.setdefault(channel, deque())
        wait = max(
            self._over(self._window, self.limit, self.period, now),
            self._over(per, self.key_limit, self.key_period, now),
        )
        if wait > 0:
            self.rejected += 1
            return web.json_response({"retry_after": round(wait, 3)}, status=429)
        self._window.append(now)
        per.append(now)
        self.arrived += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        self.hits.append(Hit(now, time.time(), key, channel))
        if key is not None and key in self._ids:
            self.repeats[key] += 1
            return web.json_response({"id": self._ids[key]})
        mid = f"m{len(self._ids) + len(self.shown) + 1}"
        if key is not None:
            self._ids[key] = mid
            self.shown[key] += 1
        return web.json_response({"id": mid})


class SinkPort:
    """A ChatPort that sends over HTTP to a ``Sink``; only what reminders need is supported."""

    platform = "sink"

    def __init__(self, url: str, pacer: Pacer | None = None, retries: int = 5) -> None:
        self.url = url
        self.pacer = pacer
        self.retries = retries
        self.too_many = 0
        self._session: aiohttp.ClientSession | None = None

    def _paced(self, key: str) -> AbstractAsyncContextManager[None]:
        return self.pacer.slot(key) if self.pacer is not None else nullcontext()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _send(self, path: str, key_of_rate: str, body: dict[str, object]) -> str:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64),
                timeout=aiohttp.ClientTimeout(total=30),
            )
        for _ in range(self.retries):
            async with (
                self._paced(key_of_rate),
                self._session.post(self.url + path, json=body) as resp,
            ):
                data = await resp.json()
                if resp.status == 429:
                    self.too_many += 1
                    retry = float(data.get("retry_after", 1.0))
                    if self.pacer is not None:
                        self.pacer.back_off(retry, key_of_rate)
                    else:
                        await asyncio.sleep(retry)
                    continue
                if resp.status >= 400:
                    raise PlatformError(ErrorKind.OTHER, str(resp.status))
                return str(data["id"])
        raise PlatformError(ErrorKind.RATE_LIMITED, "429")

    async def post(
        self, workspace: str, channel: str, message: Message, *, key: str | None = None
    ) -> str:
        body = {"workspace": workspace, "channel": channel, "key": key, "size": len(message.text)}
        return await self._send("/post", channel, body)

    async def dm(
        self,
        workspace: str,
        user: str,
        message: Message,
        *,
        key: str | None = None,
        retry: bool = False,
    ) -> str:
        body = {"workspace": workspace, "user": user, "key": key, "size": len(message.text)}
        return await self._send("/dm", "dm:" + user, body)

    async def create_private_channel(self, workspace: str, name: str, topic: str) -> str:
        raise Unsupported("create_private_channel")

    async def set_access(self, workspace: str, channel: str, user: str, access: Access) -> None:
        raise Unsupported("set_access")

    async def post_private(self, workspace: str, channel: str, user: str, message: Message) -> None:
        raise Unsupported("post_private")

    async def show_next_meeting(
        self, workspace: str, channel: str, event: CalendarEvent | None
    ) -> None:
        return None

    async def pin(self, workspace: str, channel: str, message_id: str) -> None:
        raise Unsupported("pin")

    async def delete_message(self, workspace: str, channel: str, message_id: str) -> None:
        raise Unsupported("delete_message")

    async def edit(self, workspace: str, channel: str, message_id: str, message: Message) -> None:
        raise Unsupported("edit")

    async def edit_dm(self, workspace: str, user: str, message_id: str, message: Message) -> None:
        raise Unsupported("edit")

    async def resolve_user(self, workspace: str, token: str) -> str | None:
        return token.removeprefix("@") or None

    def mention(self, user: str) -> str:
        return f"@{user}"

    def format_time(self, when: datetime, zone: ZoneInfo, lang: str) -> str:
        return f"<t:{int(when.timestamp())}:F>"
