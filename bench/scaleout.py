"""Scale-out: several bot processes, each with its own Discord token, sharing one PostgreSQL.

    .venv/bin/python -m bench.scaleout [--circles 20000] [--due 3000] [--procs 3]
        [--db postgresql+asyncpg://postgres@127.0.0.1:5432/ck_scaleout]

The database (created afresh; dropped after) holds ``--circles`` circles with weekly meetings and
their reminders materialised for 8 days. ``--due`` of them (spread evenly over the processes)
have a channel reminder due at one instant. Each of ``--procs`` worker processes runs what
``circlekeeper run`` runs for one Discord bot: its own rate-limited fake Discord (its own token:
50 requests per second), ``DiscordAdapter`` with discord.py, the scheduler and the dispatcher on
the shared database. A worker claims only the deliveries of its own guilds (``workspaces()``),
as separate tokens or shards must.

Printed: per worker and in total, delivered/expected, doubled (a channel shown the reminder
twice), lost, 429s, the span from the due instant against the floor (the busiest token's share at
50/s), and the total throughput against the sum of the per-token limits.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import json
import logging
import math
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bench.delivery import (  # noqa: E402
    RemoteDiscord,
    discord_figures,
    mono_of,
    settings_for,
    until,
    until_synced,
)
from bot.core import reminders  # noqa: E402
from bot.core.schedules import LOCAL_FORMAT  # noqa: E402
from bot.wiring import start_core  # noqa: E402
from storage.models import Circle, Membership, Notify, Schedule  # noqa: E402

RATE = 50


async def worker(db: str, index: int, share: int) -> None:
    """One bot process: the adapter, scheduler and dispatcher; its fake Discord (its own token
    and budget) runs in a process of its own, as the real one is not on the bot's event loop."""
    from bot.platforms.discord import DiscordAdapter, config_from
    from bot.scheduling import Scheduler, attach
    from bot.wiring import build_router

    fake = await RemoteDiscord.start(0, share)
    try:
        channels = fake.channel_ids
        print(json.dumps({"guild": fake.guild_id, "channels": channels}), flush=True)
        due = datetime.fromisoformat(sys.stdin.readline().strip())  # the parent has seeded
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
        config = dataclasses.replace(config_from(core), guild_ready_timeout=0.1)
        adapter = DiscordAdapter(core, router, config)
        await adapter.start()
        await adapter.wait_ready(60)
        scheduler = Scheduler(core, dispatcher)
        await scheduler.start(materialise_now=False)
        await fake.clear_counts()
        await fake.sync()
        since = len(fake.requests)
        targets = set(channels)
        await until(lambda: time.time() >= due.timestamp(), 600)
        cpu0 = time.process_time()
        await until_synced(
            fake, lambda: all(fake.messages.get(c) for c in targets), 3 * share / RATE + 60
        )
        cpu = time.process_time() - cpu0
        await asyncio.sleep(1.0)  # anything doubled would arrive now
        await fake.sync()
        scheduler.stop()
        async with asyncio.timeout(30), dispatcher._lock:  # let a running pass end
            pass
        got = discord_figures(f"worker {index}", fake, targets, due, since)
        t0 = mono_of(due)
        sent = sorted(
            r.at - t0
            for r in fake.requests[since:]
            if r.route == "/channels/{channel_id}/messages" and 200 <= r.status < 300
        )
        print(
            json.dumps(
                {
                    "expected": got.expected,
                    "delivered": got.delivered,
                    "doubled": got.duplicates,
                    "first": got.first,
                    "span": got.span,
                    "global_429": got.global_429,
                    "route_429": got.route_429,
                    "requests": got.requests,
                    "cpu": cpu,
                    "gaps": widest_gaps(sent),
                }
            ),
            flush=True,
        )
        await adapter.stop()
        await core.engine.dispose()
    finally:
        await fake.stop()


def widest_gaps(sent: list[float], n: int = 3) -> list[list[float]]:
    """The ``n`` longest pauses between consecutive sends, as [after the k-th send, seconds]:
    where a pipeline stalls (a pause at every 100th send was the old claim barrier)."""
    gaps = sorted(((b - a, k + 1) for k, (a, b) in enumerate(itertools.pairwise(sent))))
    return [[k, round(g, 3)] for g, k in gaps[-n:][::-1]]


async def seed(db: str, total: int, shares: list[tuple[str, list[str]]], due: datetime) -> float:
    """``total`` circles: those of ``shares`` (guild, channels) have a reminder due at ``due``;
    the rest meet at other hours (their reminders are in the ledger, not due)."""
    core = await start_core(settings_for(db))
    now = core.clock.now()
    t = time.perf_counter()
    rows: list[tuple[str, str, datetime]] = []
    for guild, channels in shares:
        rows += [(guild, c, due + timedelta(hours=1)) for c in channels]
    others = total - len(rows)
    for i in range(others):
        guild = shares[i % len(shares)][0]
        rows.append((guild, f"elsewhere-{i}", due + timedelta(hours=2 + i % 100, minutes=7)))
    for start in range(0, len(rows), 2000):
        part = rows[start : start + 2000]
        async with core.sessions() as s, s.begin():
            ids = list(
                (
                    await s.execute(
                        insert(Circle).returning(Circle.id),
                        [
                            {
                                "platform": "discord",
                                "workspace_id": guild,
                                "name": f"circle {start + j}",
                                "name_key": f"circle {start + j}",
                                "channel_id": channel,
                                "min_size": 5,
                                "max_size": 7,
                                "timezone": "UTC",
                                "language": "en",
                                "reminder_offsets": "1h",
                                "created_at": now,
                            }
                            for j, (guild, channel, _) in enumerate(part)
                        ],
                    )
                ).scalars()
            )
            await s.execute(
                insert(Membership),
                [
                    {
                        "circle_id": cid,
                        "user_id": f"{cid}",
                        "role": "member",
                        "status": "active",
                        "notify": Notify.CHANNEL,
                        "since": now,
                    }
                    for cid in ids
                ],
            )
            await s.execute(
                insert(Schedule),
                [
                    {
                        "circle_id": cid,
                        "rrule": "FREQ=WEEKLY",
                        "timezone": "UTC",
                        "first_local": meet.replace(tzinfo=None).strftime(LOCAL_FORMAT),
                        "duration_minutes": 90,
                        "location": None,
                        "updated_at": now,
                    }
                    for cid, (_, _, meet) in zip(ids, part, strict=True)
                ],
            )
            await reminders.sync(s, now, timedelta(days=8), ids)
    await core.engine.dispose()
    return time.perf_counter() - t


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--circles", type=int, default=20_000)
    p.add_argument("--due", type=int, default=3000)
    p.add_argument("--procs", type=int, default=3)
    p.add_argument("--lead", type=float, default=60.0, help="seconds before the due instant")
    p.add_argument("--db", default="postgresql+asyncpg://postgres@127.0.0.1:5432/ck_scaleout")
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    p.add_argument("--share", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.worker is not None:
        await worker(args.db, args.worker, args.share)
        return
    url = make_url(args.db)
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    try:
        await run(args)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        await admin.dispose()


async def run(args: Any) -> None:
    shares = [args.due // args.procs + (i < args.due % args.procs) for i in range(args.procs)]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.scaleout",
            "--db",
            args.db,
            "--worker",
            str(i),
            "--share",
            str(share),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for i, share in enumerate(shares)
    ]
    hello = []
    for proc in procs:
        assert proc.stdout is not None
        hello.append(json.loads(await asyncio.wait_for(proc.stdout.readline(), 120)))
    if len({h["guild"] for h in hello}) < len(hello):
        raise SystemExit("two fake Discords made the same guild ID; run again")
    # Migrate once before seeding (the workers migrate too; at the head it is a no-op).
    await (await start_core(settings_for(args.db))).engine.dispose()
    lead = args.lead + args.circles / 500 + args.due / 100
    due = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
    took = await seed(args.db, args.circles, [(h["guild"], h["channels"]) for h in hello], due)
    print(
        f"seeded {args.circles} circles (reminders for 8 days materialised) in {took:.1f} s; "
        f"{args.due} reminders due at one instant, across {args.procs} processes",
        flush=True,
    )
    if datetime.now(UTC) >= due - timedelta(seconds=15):
        raise SystemExit("seeding took longer than the lead; give a smaller --circles")
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(f"{due.isoformat()}\n".encode())
        await proc.stdin.drain()
    results = []
    for proc in procs:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), lead + 3 * args.due / RATE + 180)
        results.append(json.loads(line))
        await asyncio.wait_for(proc.wait(), 60)
    for i, r in enumerate(results):
        floor = max(0, math.ceil(r["expected"] / RATE) - 1)
        print(
            f"worker {i} (own token, 50/s): delivered {r['delivered']}/{r['expected']}; doubled "
            f"{r['doubled']}; lost {r['expected'] - r['delivered']}; span {r['span']:.2f} s "
            f"(floor {floor} s); first {r['first'] * 1000:.0f} ms late; 429s "
            f"{r['global_429']} global / {r['route_429']} route; "
            f"{r['requests'] / max(r['delivered'], 1):.2f} requests/delivery; CPU "
            f"{r['cpu']:.1f} s for the bot ({r['cpu'] / r['span']:.0%} of a core); longest pauses "
            f"between sends {', '.join(f'{g} s after send {k}' for k, g in r['gaps'])}",
            flush=True,
        )
    expected = sum(r["expected"] for r in results)
    delivered = sum(r["delivered"] for r in results)
    span = max(r["span"] for r in results)
    floor = max(math.ceil(r["expected"] / RATE) - 1 for r in results)
    limit = RATE * len(results)
    print(
        f"total: delivered {delivered}/{expected}; doubled {sum(r['doubled'] for r in results)}; "
        f"lost {expected - delivered}; span {span:.2f} s (floor {floor} s, "
        f"{span / floor if floor else math.nan:.3f}x); throughput {delivered / span:.0f}/s "
        f"(at the floor {expected / floor if floor else math.nan:.0f}/s; the sum of the "
        f"per-token limits is {limit}/s, plus the first 50 each token sends at once); 429s "
        f"{sum(r['global_429'] for r in results)} global",
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
