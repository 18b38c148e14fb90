"""Fan-out: N circles with a reminder due at the same instant, sent to a rate-limited sink.

    .venv/bin/python -m bench.fanout [N] [--db URL] [--skip-common]

The sink (tests/fakes/sink.py) allows 50 requests in any 1 s and 5 per 5 s per channel, and
answers 429 with retry_after beyond that. Each circle's reminder is one channel post.

1. circlekeeper: the delivery ledger, APScheduler waking the dispatcher at the due instant, the
   dispatcher sending through a port paced by ``bot.core.pacing.Pacer``.
2. The common approach: one APScheduler 3 date job per reminder in its SQLAlchemyJobStore,
   each job posting directly (retrying after retry_after on a 429, as chat libraries do).

Printed: time to deliver all against the floor N/50 s, the first delivery's lateness, 429s,
duplicates (and, for the common approach, jobs APScheduler reported as missed).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Environment, FileSettings, Settings  # noqa: E402
from bot.core.pacing import Pacer  # noqa: E402
from bot.scheduling import Scheduler, attach  # noqa: E402
from bot.wiring import start_core  # noqa: E402
from tests.fakes.seed import seed_circles  # noqa: E402
from tests.fakes.sink import Sink, SinkPort  # noqa: E402

RATE, KEY_LIMIT, KEY_PERIOD = 50, 5, 5.0


def report(name: str, n: int, sink: Sink, due: float, extra: str = "") -> None:
    floor = n / RATE
    shown = len(sink.shown)
    first = min((h.wall for h in sink.hits), default=float("nan")) - due
    last = max((h.wall for h in sink.hits), default=float("nan")) - due
    dupes = sum(sink.repeats.values()) + sum(c - 1 for c in sink.shown.values() if c > 1)
    ok = shown == n and last <= 1.1 * floor and sink.rejected == 0 and first < 1.0
    print(
        f"{name}: delivered {shown}/{n} in {last:.1f} s (floor N/50 = {floor:.1f} s, "
        f"target <= {1.1 * floor:.1f} s); first delivery {first * 1000:.0f} ms late; "
        f"429s {sink.rejected}; duplicates {dupes}{extra}; targets {'met' if ok else 'NOT met'}",
        flush=True,
    )


async def ours(n: int, db: str) -> None:
    settings = Settings(
        file=FileSettings.model_validate({"scheduler": {"tick_seconds": 15}}),
        env=Environment(CIRCLEKEEPER_DATABASE_URL=db),
    )
    core = await start_core(settings)
    sink = Sink(limit=RATE, period=1.0, key_limit=KEY_LIMIT, key_period=KEY_PERIOD)
    await sink.start()
    port = SinkPort(sink.url, Pacer(RATE, 1.0, key_limit=KEY_LIMIT, key_period=KEY_PERIOD))
    core.ports["sink"] = port
    lead = 5 + n / 400  # time to seed before the reminders fall due
    due = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
    t = time.perf_counter()
    await seed_circles(core, n, due + timedelta(hours=1), offsets="1h")
    print(
        f"seeded {n} circles and materialised their reminders in {time.perf_counter() - t:.1f} s",
        flush=True,
    )
    scheduler = Scheduler(core, attach(core))
    await scheduler.start(materialise_now=False)
    deadline = due.timestamp() + 3 * n / RATE + 60
    while len(sink.shown) < n and time.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    scheduler.stop()
    report("circlekeeper (ledger + pacer)", n, sink, due.timestamp())
    await port.close()
    await sink.stop()
    await core.engine.dispose()


# -- the common approach -------------------------------------------------------------------------

_SINK_URL = ""
_SESSION: aiohttp.ClientSession | None = None
_429 = 0


async def common_send(i: int) -> None:
    """One APScheduler job: post the reminder now; on 429 wait retry_after and try again."""
    global _SESSION, _429
    if _SESSION is None:
        _SESSION = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
    body = {"workspace": "w", "channel": f"c{i}", "key": f"job:{i}", "size": 100}
    for _ in range(20):
        async with _SESSION.post(_SINK_URL + "/post", json=body) as resp:
            data = await resp.json()
            if resp.status != 429:
                return
            _429 += 1
            await asyncio.sleep(float(data.get("retry_after", 1.0)))


async def common(n: int, tmp: Path, grace: int | None) -> None:
    global _SINK_URL, _SESSION
    from apscheduler.events import EVENT_JOB_MISSED
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    sink = Sink(limit=RATE, period=1.0, key_limit=KEY_LIMIT, key_period=KEY_PERIOD)
    _SINK_URL = await sink.start()
    store = SQLAlchemyJobStore(url=f"sqlite:///{tmp / f'jobs-{grace}.db'}")
    defaults = {} if grace == 1 else {"misfire_grace_time": grace}
    aps = AsyncIOScheduler(jobstores={"default": store}, job_defaults=defaults, timezone=UTC)
    missed = 0

    def on_missed(_event: object) -> None:
        nonlocal missed
        missed += 1

    aps.add_listener(on_missed, EVENT_JOB_MISSED)
    aps.start(paused=True)
    t = time.perf_counter()
    lead = 5 + n / 200
    due = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
    for i in range(n):
        aps.add_job(common_send, "date", run_date=due, args=[i], id=f"reminder-{i}")
    print(
        f"common approach: added {n} jobs to the SQLAlchemy job store in "
        f"{time.perf_counter() - t:.1f} s",
        flush=True,
    )
    aps.resume()
    deadline = due.timestamp() + 5 * n / RATE + 60
    while len(sink.shown) + missed < n and time.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    await asyncio.sleep(1)
    aps.shutdown(wait=False)
    label = "default misfire_grace_time=1 s" if grace == 1 else f"misfire_grace_time={grace}"
    report(
        f"common approach (1 APScheduler job per reminder, {label})",
        n,
        sink,
        due.timestamp(),
        f"; jobs missed (misfire) {missed}",
    )
    if _SESSION is not None:
        await _SESSION.close()
        _SESSION = None
    await sink.stop()


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", nargs="?", type=int, default=2000)
    p.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    p.add_argument("--skip-common", action="store_true")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite+aiosqlite:///{tmp}/fanout.db"
        await ours(args.n, db)
        if not args.skip_common:
            await common(args.n, Path(tmp), 1)
            await common(args.n, Path(tmp), None)


if __name__ == "__main__":
    asyncio.run(main())
