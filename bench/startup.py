"""Start-up time and peak memory with 10,000 circles.

    .venv/bin/python -m bench.startup [N] [--db URL]

Seeds N circles (default 10,000), each with a weekly schedule, a member and its reminders for the
horizon already in the ledger (a running deployment's steady state). Then a fresh process starts
the way ``circlekeeper run`` does (imports, settings, migrations, prompt library, command router,
the scheduler and a first dispatcher run: "ready"), then runs the materialising pass over every
circle that ``run`` starts in the background, and reports the times and the peak resident memory
of the whole (both phases).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def seed(n: int, db: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bot.config import Environment, FileSettings, Settings
    from bot.wiring import start_core
    from tests.fakes.seed import seed_circles

    settings = Settings(file=FileSettings(), env=Environment(CIRCLEKEEPER_DATABASE_URL=db))
    core = await start_core(settings)
    start = datetime.now(UTC) - timedelta(days=200)  # schedules that began months ago
    t = time.perf_counter()
    await seed_circles(core, n, start.replace(second=0, microsecond=0), offsets="24h,1h")
    print(f"seeded {n} circles with their reminders in {time.perf_counter() - t:.1f} s")
    await core.engine.dispose()


CHILD = r"""
import time
t0 = time.perf_counter()
import asyncio, json, sys

def peak_mb():
    # VmHWM: this program's own peak. (getrusage's ru_maxrss survives exec on Linux, so a child
    # started by a big parent would report the parent's peak.)
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")

sys.path.insert(0, ROOT)
from bot.config import Environment, FileSettings, Settings
from bot.scheduling import Scheduler, attach
from bot.wiring import build_router, start_core
t_import = time.perf_counter() - t0

async def main():
    settings = Settings(file=FileSettings(), env=Environment(CIRCLEKEEPER_DATABASE_URL=DB))
    core = await start_core(settings)
    build_router(core)
    t_core = time.perf_counter() - t0
    scheduler = Scheduler(core, attach(core))
    await scheduler.start(materialise_now=False)
    await scheduler.dispatch()
    ready = time.perf_counter() - t0
    ready_mb = peak_mb()
    # What `circlekeeper run` then does in the background: top up every circle's ledger. A
    # command arriving meanwhile waits for the loop: the longest stall is how long at most.
    stalls = []

    async def ticker():
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.005)
            stalls.append(time.perf_counter() - t - 0.005)

    watch = asyncio.create_task(ticker())
    m0 = time.perf_counter()
    await scheduler.materialise()
    t_mat = time.perf_counter() - m0
    watch.cancel()
    scheduler.stop()
    await core.engine.dispose()
    peak = peak_mb()
    print(json.dumps({"imports": t_import, "core": t_core, "materialise": t_mat,
                      "ready": ready, "peak_mb": peak, "ready_mb": ready_mb,
                      "stall": max(stalls, default=0.0),
                      "platform_libs": sorted(m for m in ("discord", "slack_bolt", "slack_sdk",
                                                          "matplotlib") if m in sys.modules)}))

asyncio.run(main())
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", nargs="?", type=int, default=10_000)
    p.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite+aiosqlite:///{tmp}/startup.db"
        asyncio.run(seed(args.n, db))
        code = f"ROOT = {str(ROOT)!r}\nDB = {db!r}\n" + CHILD
        t = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        wall = time.perf_counter() - t
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ok = r["ready"] < 1.0 and r["ready_mb"] < 150 and r["peak_mb"] < 150
        print(
            f"start-up with {args.n} circles: ready in {r['ready']:.2f} s "
            f"(imports {r['imports']:.2f} s, database + router {r['core'] - r['imports']:.2f} s, "
            f"then the background materialising pass over all circles {r['materialise']:.2f} s, "
            f"during which the event loop stalled at most {r['stall'] * 1000:.0f} ms); "
            f"platform libraries loaded: {', '.join(r['platform_libs']) or 'none'}; "
            f"process wall time incl. interpreter and that pass {wall:.2f} s; "
            f"peak memory {r['ready_mb']:.0f} MB when ready, {r['peak_mb']:.0f} MB after the pass; "
            f"targets (ready < 1.0 s, < 150 MB) {'met' if ok else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
