"""``/healthz`` and ``/metrics`` over real HTTP (aiohttp client, 127.0.0.1, a free port)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime

import aiohttp
import discord.http
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Environment, FileSettings, Settings
from bot.ops import metrics
from bot.ops.http import OpsServer
from bot.platforms.discord import DiscordAdapter, config_from
from bot.platforms.discord.app import rate_limit_trace
from bot.platforms.discord.permissions import REQUIRED
from bot.platforms.slack.port import make_client
from bot.scheduling import Scheduler
from bot.wiring import build_router, start_core
from storage.db import make_engine, make_sessions
from tests.fakes.discord import FakeDiscord, discord_py_pointed_at
from tests.fakes.slack import FakeSlack
from tests.harness import PEOPLE, Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


@asynccontextmanager
async def served(h: Harness, platforms: list[str]) -> AsyncIterator[str]:
    server = OpsServer(h.core, platforms)
    await server.start("127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


def sample(text: str, metric: str, **labels: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == metric and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None


async def test_healthz_says_what_is_wrong(db_url: str) -> None:
    async with Harness(db_url, START, scheduler={"tick_seconds": 0.5}) as h:
        scheduler = Scheduler(h.core, h.dispatcher)
        began = time.time()
        await scheduler.start()
        try:
            async with served(h, ["console"]) as base:
                for _ in range(200):  # the scheduler's first pass (bounded: 10 s)
                    if (metrics.dispatcher_last_run() or 0) > began:
                        break
                    await asyncio.sleep(0.05)
                status, ctype, body = await get(base + "/healthz")
                assert (status, ctype.split(";")[0]) == (200, "application/json"), body
                assert '"ok": true' in body and '"dispatcher": "ok"' in body

                port = h.core.ports.pop("console")  # the platform went away
                status, _, body = await get(base + "/healthz")
                assert status == 503 and '"console": "not connected"' in body
                h.core.ports["console"] = port

                scheduler.stop()
                metrics.dispatcher_ran(time.time() - 5)  # more than two ticks ago
                status, _, body = await get(base + "/healthz")
                assert status == 503 and "last pass 5 s ago (tick 0.5 s)" in body

                # A long pass (a burst) is alive while it handles deliveries; stuck when not.
                await asyncio.sleep(1.1)  # older than two ticks: any delivery handled before
                metrics.dispatcher_started(time.time() - 5)
                status, _, body = await get(base + "/healthz")
                assert status == 503, body
                metrics.delivery("reminder:60", "sent", 0.1)
                status, _, body = await get(base + "/healthz")
                assert status == 200, body
                metrics.dispatcher_ran()
                real = h.core.sessions
                dead = make_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
                h.core.sessions = make_sessions(dead)
                try:
                    status, _, body = await get(base + "/healthz")
                finally:
                    h.core.sessions = real
                    await dead.dispose()
                assert status == 503 and '"database": "unreachable' in body
        finally:
            scheduler.stop()


async def test_metrics_count_commands_deliveries_and_consults_without_names(db_url: str) -> None:
    async with Harness(db_url, START) as h, served(h, ["console"]) as base:
        _, _, before = await get(base + "/metrics")
        ok0 = sample(before, "circlekeeper_commands_total", name="create", outcome="ok") or 0
        sent0 = sample(before, "circlekeeper_deliveries_total", kind="reminder", outcome="sent")

        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee mentor:@maya')
        await h.run("lee", "/circle add @ana")
        await h.run("ana", "/circle add @ben")  # refused: members do not add people
        await h.run("lee", "/circle schedule set day:tuesday time:19:00")
        await h.run("ana", '/circle consult "Could we talk about the last meeting?"')
        h.out.clear()
        await h.console.run_lines([":advance 3h", ":advance 22h"])  # the 24h and 1h reminders

        status, ctype, text = await get(base + "/metrics")
        assert status == 200 and ctype.startswith("text/plain")
        assert sample(text, "circlekeeper_commands_total", name="create", outcome="ok") == ok0 + 1
        assert (
            sample(text, "circlekeeper_commands_total", name="add", outcome="refused") or 0
        ) >= 1
        sent = sample(text, "circlekeeper_deliveries_total", kind="reminder", outcome="sent")
        assert sent is not None and sent >= (sent0 or 0) + 2
        count = sample(text, "circlekeeper_delivery_lateness_seconds_count", kind="reminder")
        assert count is not None and count >= 2
        assert sample(text, "circlekeeper_open_consults") == 1
        assert sample(text, "circlekeeper_platform_connected", platform="console") == 1
        lowered = text.lower()
        for word in [*PEOPLE, "tuesday", "could we talk"]:
            assert f'"{word}' not in lowered and f'{word}"' not in lowered, word

        await h.run("maya", "/circle mentor status")  # reading does not close a consult
        _, _, text = await get(base + "/metrics")
        assert sample(text, "circlekeeper_open_consults") == 1


async def test_429s_are_counted_by_platform() -> None:
    def value(platform: str) -> float:
        got = metrics.REGISTRY.get_sample_value(
            "circlekeeper_rate_limited_total", {"platform": platform}
        )
        return got or 0.0

    slack0, discord0 = value("slack"), value("discord")
    async with FakeSlack() as fake:
        fake.fail_next("auth.test", status=429, retry_after=0)
        client = make_client(fake.base_url, fake.bot_token)
        assert (await client.auth_test())["ok"]  # waited out, then answered
    assert value("slack") == slack0 + 1

    async with FakeDiscord() as fake:
        saved, discord.http.Route.BASE = discord.http.Route.BASE, fake.api_base
        fake.fail_next("GET /users/@me", 429, retry_after=0.01)
        http = discord.http.HTTPClient(asyncio.get_running_loop(), http_trace=rate_limit_trace())
        try:
            me = await http.static_login(fake.token)
        finally:
            await http.close()
            discord.http.Route.BASE = saved
        assert me["id"] == fake.bot_user_id
    assert value("discord") == discord0 + 1


async def test_healthz_follows_the_discord_gateway(db_url: str) -> None:
    """Discord's port is registered before login; ``/healthz`` waits for the gateway session."""
    async with FakeDiscord(bot_permissions=REQUIRED.value) as fake:
        with discord_py_pointed_at(fake):
            settings = Settings(
                file=FileSettings(),
                env=Environment(
                    DISCORD_TOKEN=fake.token,
                    DISCORD_API_BASE_URL=fake.api_base,
                    DISCORD_GATEWAY_URL=fake.gateway_url,
                    CIRCLEKEEPER_DATABASE_URL=db_url,
                ),
            )
            core = await start_core(settings)
            server = OpsServer(core, ["discord"])
            await server.start("127.0.0.1", 0)
            base = f"http://127.0.0.1:{server.port}"
            adapter = DiscordAdapter(
                core, build_router(core), replace(config_from(core), guild_ready_timeout=0.1)
            )
            try:
                status, _, body = await get(base + "/healthz")
                assert status == 503 and '"discord": "not connected"' in body
                await adapter.start()
                await adapter.wait_ready(10)
                status, _, body = await get(base + "/healthz")
                assert '"discord": "ok"' in body, body
                await adapter.stop()
                status, _, body = await get(base + "/healthz")
                assert status == 503 and '"discord": "not connected"' in body
            finally:
                await adapter.stop()
                await server.stop()
                await core.engine.dispose()
