"""Deliveries at the platform's limit, through the real adapters (discord.py, slack_sdk).

    .venv/bin/python -m bench.delivery [--cases a,b,c,d,plain] [--db URL] [--circles 100]

The path is the one ``circlekeeper run`` takes: the ledger on a fresh database, APScheduler
waking the dispatcher at the due instant, the reminder handler, and the platform's own adapter
(``DiscordAdapter`` with discord.py, ``SlackPort`` with slack_sdk), against the project's fakes
(tests/fakes) with their rate limits on, over loopback:

* Discord: 50 requests per rolling second per token (global), 5 messages per 5 s per channel;
* Slack: chat.postMessage 1 per second per channel and 50 per second per workspace,
  conversations.open 50 per minute (Tier 3).

Cases: (a) 100 circles x 7 people, DM reminders due at one instant, every DM channel opened
before (warm); (b) the same right after a restart of the bot (a fresh adapter); (c) 300 circles,
one channel post each; (d) Slack: 300 DMs (after a restart) and 300 channel posts; and "plain":
the library used directly, the way a plain bot sends the same burst (``asyncio.gather`` over
``create_dm`` + ``send`` on discord.py; ``conversations_open`` + ``chat_postMessage`` on
slack_sdk with its default 429 retry handler).

Printed per case: delivered/expected, span from the due instant to the last delivery against the
floor (ceil(N / 50) - 1 s: the first 50 go at once, then 50 more each second), the first delivery's
lateness, requests per delivery, 429s (global / route), duplicates (a person or channel shown a
message twice), and the dispatcher's database transactions. The fake Discord runs in a process
of its own (as the platform is not on the bot's event loop); the fake Slack runs in this one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parent.parent)
"""The checkout whose bot is measured (``BENCH_ROOT=/path/to/other/checkout`` for a before)."""
HERE = str(Path(__file__).resolve())
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert  # noqa: E402

from bot.config import Environment, FileSettings, Settings  # noqa: E402
from bot.core import reminders  # noqa: E402
from bot.core.runtime import Core  # noqa: E402
from bot.core.schedules import LOCAL_FORMAT  # noqa: E402
from bot.scheduling import Scheduler, attach  # noqa: E402
from bot.wiring import build_router, start_core  # noqa: E402
from storage.models import Circle, Membership, Notify, Schedule  # noqa: E402

RATE = 50
TEXT = "Reminder: the circle meets in one hour."


@dataclass
class Result:
    name: str
    expected: int
    delivered: int
    span: float
    first: float
    requests: int
    global_429: int
    route_429: int
    duplicates: int
    transactions: int | None = None
    note: str = ""

    @property
    def floor(self) -> float:
        """The 50-a-second rolling window lets 50 go at once, then 50 more each second."""
        return float(max(0, math.ceil(self.expected / RATE) - 1))

    def met(self) -> bool:
        return (
            self.delivered == self.expected
            and self.global_429 == 0
            and self.duplicates == 0
            and self.span <= 1.05 * self.floor
            and self.first < 0.5
        )

    def line(self) -> str:
        ratio = self.span / self.floor if self.floor else float("nan")
        per = self.requests / self.delivered if self.delivered else float("nan")
        tx = f"; db transactions {self.transactions}" if self.transactions is not None else ""
        return (
            f"{self.name}: delivered {self.delivered}/{self.expected}; span {self.span:.2f} s "
            f"(floor {self.floor:.2f} s, {ratio:.3f}x); first {self.first * 1000:.0f} ms late; "
            f"{per:.2f} requests/delivery; 429s {self.global_429} global / {self.route_429} "
            f"route; duplicates {self.duplicates}{tx}{self.note}; targets "
            f"{'met' if self.met() else 'NOT met'}"
        )


def count_transactions(core: Core) -> Callable[[], int]:
    """Commits on the bot's engine (each is one transaction the event loop waited for)."""
    seen = [0]

    def on_commit(_conn: Any) -> None:
        seen[0] += 1

    event.listen(core.engine.sync_engine, "commit", on_commit)
    return lambda: seen[0]


async def seed(
    core: Core,
    platform: str,
    workspace: str,
    groups: list[list[str]],
    channels: list[str | None],
    notify: str,
    meeting_at: datetime,
) -> None:
    """One circle per group (its people, a weekly meeting at ``meeting_at``), reminders 1 h
    before, materialised into the ledger."""
    now = core.clock.now()
    async with core.sessions() as s, s.begin():
        ids = (
            await s.execute(
                insert(Circle).returning(Circle.id),
                [
                    {
                        "platform": platform,
                        "workspace_id": workspace,
                        "name": f"circle {i}",
                        "name_key": f"circle {i}",
                        "channel_id": channels[i],
                        "min_size": 5,
                        "max_size": 7,
                        "timezone": "UTC",
                        "language": "en",
                        "reminder_offsets": "1h",
                        "created_at": now,
                    }
                    for i in range(len(groups))
                ],
            )
        ).scalars()
        ids = list(ids)
        await s.execute(
            insert(Membership),
            [
                {
                    "circle_id": cid,
                    "user_id": user,
                    "role": "member",
                    "status": "active",
                    "notify": notify,
                    "since": now,
                }
                for cid, group in zip(ids, groups, strict=True)
                for user in group
            ],
        )
        await s.execute(
            insert(Schedule),
            [
                {
                    "circle_id": cid,
                    "rrule": "FREQ=WEEKLY",
                    "timezone": "UTC",
                    "first_local": meeting_at.replace(tzinfo=None).strftime(LOCAL_FORMAT),
                    "duration_minutes": 90,
                    "location": None,
                    "updated_at": now,
                }
                for cid in ids
            ],
        )
        await reminders.sync(s, now, timedelta(days=8))


def due_soon(lead: float) -> datetime:
    """A due instant ``lead`` seconds away, on a whole second (a meeting an hour later)."""
    return (datetime.now(UTC) + timedelta(seconds=lead + 1)).replace(microsecond=0)


def mono_of(when: datetime) -> float:
    return time.monotonic() + (when.timestamp() - time.time())


async def until(done: Callable[[], bool], within: float) -> None:
    deadline = time.monotonic() + within
    while not done() and time.monotonic() < deadline:  # noqa: ASYNC110 (fakes count)
        await asyncio.sleep(0.05)


def settings_for(db: str, **env: Any) -> Settings:
    return Settings(
        file=FileSettings.model_validate({"scheduler": {"tick_seconds": 15}}),
        env=Environment(CIRCLEKEEPER_DATABASE_URL=db, **env),
    )


# -- Discord ------------------------------------------------------------------------------------


def discord_429s(fake: Any) -> Counter[str]:
    """Count the fake's natural 429s as global or per route (wrapping its rate-limit check)."""
    counts: Counter[str] = Counter()
    check = fake._rate_limit

    def counted(rec: Any) -> Any:
        limited = check(rec)
        if limited is not None:
            counts["global" if limited[1].get("global") else "route"] += 1
        return limited

    fake._rate_limit = counted
    return counts


@dataclass
class Rec:
    method: str
    route: str | None
    path: str
    params: dict[str, str]
    status: int
    at: float


class RemoteDiscord:
    """A ``FakeDiscord`` in a process of its own, so that the platform does not share the bot's
    event loop (real Discord does not). Members and channels are made at start; ``sync`` fetches
    the finished requests (monotonic times are the same clock in both processes), the channels'
    message counts, the DM channels and the 429 counts."""

    def __init__(self, proc: asyncio.subprocess.Process, hello: dict[str, Any]) -> None:
        self.proc = proc
        self.token: str = hello["token"]
        self.api_base: str = hello["api_base"]
        self.gateway_url: str = hello["gateway_url"]
        self.guild_id: str = hello["guild_id"]
        self.members: list[str] = hello["members"]
        self.channel_ids: list[str] = hello["channels"]
        self.requests: list[Rec] = []
        self.messages: dict[str, int] = {}
        self.dms: dict[str, str] = {}
        self.counts: Counter[str] = Counter()

    @classmethod
    async def start(cls, members: int, channels: int) -> RemoteDiscord:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            HERE,
            "--fake-discord",
            f"{members},{channels}",
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,
        )
        return cls(proc, await cls._read(proc))

    @staticmethod
    async def _read(proc: asyncio.subprocess.Process) -> dict[str, Any]:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 120)
        return dict(json.loads(line))

    async def _ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self._read(self.proc)

    async def sync(self) -> None:
        got = await self._ask("sync")
        self.requests += [Rec(*r) for r in got["requests"]]
        self.messages = got["messages"]
        self.dms = got["dms"]
        self.counts = Counter(got["counts"])

    async def clear_counts(self) -> None:
        await self._ask("clear")

    def dm_channel_of(self, user: str) -> str | None:
        return self.dms.get(user)

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self._ask("quit")
        await asyncio.wait_for(self.proc.wait(), 30)


async def serve_fake(members: int, channels: int) -> None:
    """The child side of ``RemoteDiscord``: one command per stdin line, one JSON answer."""
    from tests.fakes.discord import CHANNEL_DM, FakeDiscord

    async with FakeDiscord(check_spec=False) as fake:
        counts = discord_429s(fake)
        hello = {
            "token": fake.token,
            "api_base": fake.api_base,
            "gateway_url": fake.gateway_url,
            "guild_id": fake.guild_id,
            "members": [fake.add_member(f"p{i}") for i in range(members)],
            "channels": [fake.add_channel(f"circle-{i}") for i in range(channels)],
        }
        print(json.dumps(hello), flush=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=2**20)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        done = 0
        while line := (await reader.readline()).strip():
            answer: dict[str, Any] = {}
            if line == b"sync":
                recs = fake.requests
                upto = done
                while upto < len(recs) and recs[upto].status:  # only answered requests
                    upto += 1
                answer = {
                    "requests": [
                        [r.method, r.route, r.path, r.params, r.status, r.at]
                        for r in recs[done:upto]
                    ],
                    "messages": {c: len(m) for c, m in fake.messages.items() if m},
                    "dms": {
                        str(c["recipients"][0]["id"]): str(c["id"])
                        for c in fake.channels.values()
                        if c["type"] == CHANNEL_DM
                    },
                    "counts": dict(counts),
                }
                done = upto
            elif line == b"clear":
                counts.clear()
            elif line == b"quit":
                print("{}", flush=True)
                break
            print(json.dumps(answer), flush=True)


def discord_figures(
    name: str, fake: RemoteDiscord, targets: set[str], due: datetime, since: int
) -> Result:
    """From the fake's request log: message POSTs to the target channels after ``since``."""
    t0 = mono_of(due)
    recs = fake.requests[since:]
    ok = [
        r
        for r in recs
        if r.method == "POST"
        and r.route == "/channels/{channel_id}/messages"
        and r.params.get("channel_id") in targets
        and 200 <= r.status < 300
    ]
    shown = Counter(r.params["channel_id"] for r in ok)
    stored = sum(max(0, fake.messages.get(c, 0) - 1) for c in targets)
    rest = [r for r in recs if "/interactions/" not in r.path and "/webhooks/" not in r.path]
    return Result(
        name,
        expected=len(targets),
        delivered=len(shown),
        span=max((r.at for r in ok), default=float("nan")) - t0,
        first=min((r.at for r in ok), default=float("nan")) - t0,
        requests=len(rest),
        global_429=fake.counts["global"],
        route_429=fake.counts["route"],
        duplicates=stored,
    )


async def until_synced(fake: RemoteDiscord, done: Callable[[], bool], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        await fake.sync()
        if done():
            return
        await asyncio.sleep(0.5)


async def discord_case(case: str, db: str, circles: int, people: int) -> Result:
    from bot.platforms.discord import DiscordAdapter, config_from

    fake = await RemoteDiscord.start(circles * people, circles if case == "c" else 0)
    try:
        members = fake.members
        groups = [members[c * people : (c + 1) * people] for c in range(circles)]
        core = await start_core(
            settings_for(
                db,
                DISCORD_TOKEN=fake.token,
                DISCORD_API_BASE_URL=fake.api_base,
                DISCORD_GATEWAY_URL=fake.gateway_url,
                DISCORD_GUILD_ID=fake.guild_id,
            )
        )
        router = build_router(core)
        dispatcher = attach(core)

        async def boot() -> DiscordAdapter:
            config = dataclasses.replace(config_from(core), guild_ready_timeout=0.1)
            adapter = DiscordAdapter(core, router, config)
            await adapter.start()
            await adapter.wait_ready(30)
            return adapter

        adapter = await boot()
        if case == "c":
            channels: list[str | None] = list(fake.channel_ids)
            targets = set(fake.channel_ids)
        else:
            channels = [None] * circles
            # The bot has DMed everyone before (welcome DMs): their DM channels are open.
            await asyncio.gather(*(adapter.port._dm_channel(u) for u in members))
            await fake.sync()
            targets = {fake.dms[u] for u in members}
        if case == "b":  # a restart: a new process knows nothing but the database
            cache = getattr(adapter.port, "dm_channels", None)  # (absent before issue 14)
            if cache is not None:
                await cache.drain()
            await adapter.stop()
            adapter = await boot()
        due = due_soon(3)
        notify = Notify.CHANNEL if case == "c" else Notify.DM
        await seed(
            core, "discord", fake.guild_id, groups, channels, notify, due + timedelta(hours=1)
        )
        scheduler = Scheduler(core, dispatcher)
        await scheduler.start(materialise_now=False)
        await until(lambda: time.time() >= due.timestamp() - 0.5, 30)
        await fake.sync()
        await fake.clear_counts()
        since = len(fake.requests)
        transactions = count_transactions(core)
        await until_synced(
            fake, lambda: all(fake.messages.get(c) for c in targets), 3 * len(targets) / RATE + 30
        )
        await asyncio.sleep(0.5)
        await fake.sync()
        scheduler.stop()
        label = {
            "a": f"(a) Discord, {len(targets)} DMs, warm",
            "b": f"(b) Discord, {len(targets)} DMs, right after a restart",
            "c": f"(c) Discord, {len(targets)} channel posts",
        }[case]
        result = discord_figures(label, fake, targets, due, since)
        result.transactions = transactions()
        await adapter.stop()
        await core.engine.dispose()
        return result
    finally:
        await fake.stop()


async def discord_plain(circles: int, people: int) -> Result:
    """A plain discord.py bot after a restart: gather over create_dm + send for everyone."""
    import discord
    import discord.http

    fake = await RemoteDiscord.start(circles * people, 0)
    try:
        users = fake.members
        discord.http.Route.BASE = fake.api_base
        client = discord.Client(intents=discord.Intents.none())
        await client.login(fake.token)
        due = due_soon(1)
        await until(lambda: time.time() >= due.timestamp(), 10)
        await fake.sync()
        await fake.clear_counts()
        since = len(fake.requests)

        async def send(uid: str) -> None:
            channel = await client.create_dm(discord.Object(int(uid)))
            await channel.send(TEXT)

        results = await asyncio.gather(*(send(u) for u in users), return_exceptions=True)
        lost = sum(isinstance(r, BaseException) for r in results)
        await client.close()
        await asyncio.sleep(0.5)
        await fake.sync()
        targets = {c for u in users if (c := fake.dm_channel_of(u)) is not None}
        result = discord_figures(
            f"plain discord.py, {len(users)} DMs (gather, after a restart)",
            fake,
            targets,
            due,
            since,
        )
        result.expected = len(users)
        result.note = f"; lost {lost} (exceptions after discord.py's retries)"
        return result
    finally:
        await fake.stop()


# -- Slack --------------------------------------------------------------------------------------


async def slack_case(kind: str, db: str, n: int) -> Result:
    """300 DMs right after a restart (DM channels opened before, in the database) or 300
    channel posts, through ``SlackPort`` (slack_sdk) and the ledger."""
    from bot.platforms.slack.port import Clients, SlackPort
    from tests.fakes.slack import FakeSlack

    fake = FakeSlack(check_spec=False, enforce_rate_limits=True)
    await fake.start()
    try:
        team = fake.team.id
        users = [fake.add_user(f"p{i}") for i in range(n)]
        core = await start_core(settings_for(db))
        dispatcher = attach(core)

        async def token(_workspace: str) -> str:
            return fake.bot_token

        opened: list[Clients] = []

        def port() -> SlackPort:
            opened.append(Clients(fake.base_url, token))
            p = SlackPort(core, opened[-1])
            core.ports["slack"] = p
            return p

        first = port()
        if kind == "dm":
            channels: list[str | None] = [None] * n
            # Opened before (welcome DMs), at Slack's Tier 3 pace; not part of the figures.
            fake.enforce_rate_limits = False
            await asyncio.gather(*(first.dm_channel(team, u) for u in users))
            fake.enforce_rate_limits = True
            targets = {await first.dm_channel(team, u) for u in users}
            await first.dm_channels.drain()
            port()  # the restart: a fresh port knows only what the database says
        else:
            channels = [
                fake.add_channel(f"circle-{i}", is_private=True, bot_is_member=True)
                for i in range(n)
            ]
            targets = {c for c in channels if c}
        due = due_soon(3)
        notify = Notify.DM if kind == "dm" else Notify.CHANNEL
        await seed(
            core, "slack", team, [[u] for u in users], channels, notify, due + timedelta(hours=1)
        )
        scheduler = Scheduler(core, dispatcher)
        await scheduler.start(materialise_now=False)
        await until(lambda: time.time() >= due.timestamp() - 0.5, 30)
        since = len(fake.calls)
        hits = len(fake.rate_limit_hits)
        transactions = count_transactions(core)
        stamps: dict[str, float] = {}
        watch = asyncio.create_task(_watch_slack(fake, targets, stamps))
        await until(lambda: len(stamps) >= len(targets), 3 * n / RATE + 30)
        await asyncio.sleep(0.5)
        watch.cancel()
        scheduler.stop()
        result = slack_figures(
            f"(d) Slack, {n} {'DMs, right after a restart' if kind == 'dm' else 'channel posts'}",
            fake,
            targets,
            due,
            stamps,
            since,
            hits,
        )
        result.transactions = transactions()
        for clients in opened:
            await clients.close()
        await core.engine.dispose()
        return result
    finally:
        await fake.stop()


async def _watch_slack(fake: Any, targets: set[str], stamps: dict[str, float]) -> None:
    """The fake keeps no arrival times: note when each target first shows a message."""
    while True:
        now = time.monotonic()
        for m in fake.messages:
            if m.channel in targets and m.channel not in stamps:
                stamps[m.channel] = now
        await asyncio.sleep(0.005)


def slack_figures(
    name: str,
    fake: Any,
    targets: set[str],
    due: datetime,
    stamps: dict[str, float],
    since: int,
    hits: int,
) -> Result:
    t0 = mono_of(due)
    shown = Counter(m.channel for m in fake.messages if m.channel in targets)
    limited = fake.rate_limit_hits[hits:]
    return Result(
        name,
        expected=len(targets),
        delivered=len(shown),
        span=max(stamps.values(), default=float("nan")) - t0,
        first=min(stamps.values(), default=float("nan")) - t0,
        requests=len(fake.calls) - since,
        global_429=sum(1 for c in limited if c.method != "chat.postMessage"),
        route_429=sum(1 for c in limited if c.method == "chat.postMessage"),
        duplicates=sum(v - 1 for v in shown.values() if v > 1),
        note="; 429s: global = conversations.open (Tier 3), route = chat.postMessage",
    )


async def slack_plain(n: int) -> Result:
    """slack_sdk used directly after a restart: gather over conversations_open + postMessage."""
    from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
    from slack_sdk.web.async_client import AsyncWebClient

    from tests.fakes.slack import FakeSlack

    fake = FakeSlack(check_spec=False, enforce_rate_limits=True)
    await fake.start()
    try:
        users = [fake.add_user(f"p{i}") for i in range(n)]
        client = AsyncWebClient(
            token=fake.bot_token,
            base_url=fake.base_url,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
        )
        due = due_soon(1)
        await until(lambda: time.time() >= due.timestamp(), 10)
        since, hits = len(fake.calls), len(fake.rate_limit_hits)
        stamps: dict[str, float] = {}
        targets: set[str] = set()

        async def send(uid: str) -> None:
            opened = await client.conversations_open(users=uid)
            channel = opened["channel"]["id"]
            targets.add(channel)
            await client.chat_postMessage(channel=channel, text=TEXT)
            stamps[channel] = time.monotonic()

        results = await asyncio.gather(*(send(u) for u in users), return_exceptions=True)
        lost = sum(isinstance(r, BaseException) for r in results)
        result = slack_figures(
            f"plain slack_sdk, {n} DMs (gather, after a restart, 429 retry handler)",
            fake,
            targets,
            due,
            stamps,
            since,
            hits,
        )
        result.expected = n
        result.note = f"; lost {lost}" + result.note
        return result
    finally:
        await fake.stop()


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", default="a,b,c,d,plain")
    p.add_argument("--db", help="database URL prefix (default: a fresh SQLite file per case)")
    p.add_argument("--circles", type=int, default=100, help="circles for (a) and (b)")
    p.add_argument("--people", type=int, default=7)
    p.add_argument("--posts", type=int, default=300, help="circles for (c) and (d)")
    p.add_argument("--fake-discord", help=argparse.SUPPRESS)
    args = p.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.fake_discord:
        members, channels = (int(x) for x in args.fake_discord.split(","))
        await serve_fake(members, channels)
        return
    cases = args.cases.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        n = 0

        def db() -> str:
            nonlocal n
            n += 1
            return args.db or f"sqlite+aiosqlite:///{tmp}/delivery-{n}.db"

        runs: list[Callable[[], Awaitable[Result]]] = []
        for case in ("a", "b", "c"):
            if case in cases:
                runs.append(
                    lambda case=case: discord_case(  # type: ignore[misc]
                        case,
                        db(),
                        args.circles if case != "c" else args.posts,
                        args.people if case != "c" else 1,
                    )
                )
        if "d" in cases:
            runs.append(lambda: slack_case("dm", db(), args.posts))
            runs.append(lambda: slack_case("post", db(), args.posts))
        if "plain" in cases:
            runs.append(lambda: discord_plain(args.circles, args.people))
            runs.append(lambda: slack_plain(args.posts))
        for run in runs:
            with contextlib.suppress(KeyboardInterrupt):
                print((await run()).line(), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
