"""The state every part of the fake shares: configuration, the guild's data, the records of
requests, and bounded waiting for tests."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord.constants import API_PREFIX, DISCORD_EPOCH_MS
from tests.fakes.discord.records import FailRule, FakeInteraction, RecordedRequest, _Bucket
from tests.fakes.discord.spec import DiscordSpec, load_spec

if TYPE_CHECKING:
    from tests.fakes.discord.gateway import GatewaySession


class DiscordState:
    """The guild's data and the fake's records; every resource module builds on this."""

    # set while the guild is built (FakeDiscord.__init__), before anything else runs
    guild_id: str
    owner_id: str
    guild: dict[str, Any]
    bot_user_id: str
    bot_role_id: str
    general_channel_id: str

    _AUTH_OPTIONAL_PREFIXES = ("/interactions/", "/webhooks/")

    def __init__(
        self,
        *,
        token: str,
        privileged_intents: int,
        heartbeat_interval: float,
        interaction_deadline: float,
        enforce_rate_limits: bool,
        check_spec: bool,
    ) -> None:
        self.token = token
        self.spec: DiscordSpec | None = load_spec() if check_spec else None
        self.heartbeat_interval = heartbeat_interval
        self.interaction_deadline = interaction_deadline
        self.enforce_rate_limits = enforce_rate_limits
        self.privileged_intents = privileged_intents

        self._ids = itertools.count(1)
        self.application_id = self.snowflake()
        self.users: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, Any]] = {}
        self.locales: dict[str, str] = {}  # a person's client language (interaction "locale")
        self.roles: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.pins: dict[str, list[str]] = {}
        self.scheduled_events: dict[str, dict[str, Any]] = {}
        self.nonces: dict[tuple[str, str, str], str] = {}
        self.attachments: dict[str, bytes] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[str | None, int, str], str] = {}
        self.interactions: dict[str, FakeInteraction] = {}
        self.closed_dms: set[str] = set()

        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.rate_limit_hits: list[RecordedRequest] = []
        self._fail_rules: list[FailRule] = []
        self._buckets: dict[str, _Bucket] = {}
        self._global_window: list[float] = []

        self.sessions: list[GatewaySession] = []
        self.identifies: list[dict[str, Any]] = []
        self._ended_sessions: dict[str, GatewaySession] = {}

        self._cond: asyncio.Condition | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    async def _notify(self) -> None:
        if self._cond is None:
            return
        async with self._cond:
            self._cond.notify_all()

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - bounded waits are the point
        what: str = "a condition",
    ) -> None:
        """Wait (bounded) until ``predicate()`` holds; re-checked after every request the
        fake serves and at least every 20 ms (for state that lives in the bot)."""
        assert self._cond is not None, "FakeDiscord is not started"
        deadline = time.monotonic() + min(timeout, 30.0)
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                async with self._cond:
                    await asyncio.wait_for(self._cond.wait(), min(left, 0.02))

    async def wait_for_request(
        self,
        method: str,
        route: str,
        timeout: float = 10.0,  # noqa: ASYNC109
        after: int = 0,
    ) -> RecordedRequest:
        """The first recorded request (index >= ``after``) with this method and route template."""

        def find() -> RecordedRequest | None:
            for r in self.requests[after:]:
                if r.method == method and r.route == route and r.status:
                    return r
            return None

        await self.wait_for(lambda: find() is not None, timeout, f"{method} {route}")
        found = find()
        assert found is not None
        return found

    def snowflake(self) -> str:
        # Discord's layout: time, worker, process, increment. The process bits keep the IDs of
        # fakes started at the same instant in different processes apart (the scale-out bench).
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        process = os.getpid() & 0x1F
        return str((ms << 22) | (1 << 17) | (process << 12) | (next(self._ids) & 0xFFF))

    def assert_clean(self) -> None:
        """No request broke the API contract (spec, auth, validation)."""
        assert not self.violations, "Discord API violations:\n" + "\n".join(self.violations)

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.route == route]
