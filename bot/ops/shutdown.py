"""Graceful shutdown of ``circlekeeper run`` on SIGTERM / SIGINT, within ``BUDGET`` seconds.

In this order, so that nothing is sent twice and nothing waits for a lease to expire:

1. stop taking work: the scheduler starts no more jobs and the dispatcher claims no more rows;
2. rows already being sent finish (up to ``DISPATCH_GRACE`` seconds; the platforms are still
   connected for them);
3. every claim still held is handed back at once (``Dispatcher.hand_back``), so another process
   (or this one after a restart) takes those rows now, skipping recipients already receipted;
4. the platform connections close (the adapters' own ``stop``), then the ops endpoint and the
   database.

Docker sends ``STOPSIGNAL`` then waits 10 s before SIGKILL; systemd's ``TimeoutStopSec`` the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from bot.core.runtime import Core

if TYPE_CHECKING:
    from bot.ops.http import OpsServer
    from bot.scheduling import Scheduler

log = logging.getLogger(__name__)

BUDGET = 10.0
DISPATCH_GRACE = 5.0
PLATFORM_GRACE = 3.0


async def run(
    core: Core,
    scheduler: Scheduler,
    platforms: asyncio.Future[Any],
    ops_server: OpsServer | None = None,
) -> None:
    started = time.monotonic()
    done = threading.Event()
    watchdog = threading.Timer(BUDGET - 0.5, _overdue, args=(done,))
    watchdog.daemon = True
    watchdog.start()
    scheduler.aps.pause()  # no new jobs; stopping it now would cancel the running pass
    dispatcher = core.dispatcher or scheduler.dispatcher
    finished = await dispatcher.stop(DISPATCH_GRACE)
    scheduler.stop()
    released = 0
    try:
        released = await asyncio.wait_for(dispatcher.hand_back(), 1.0)
    except Exception as exc:  # the database is gone: the leases expire by themselves
        log.warning("shutdown could not hand back claims error=%s", type(exc).__name__)
    log.info("shutdown dispatcher drained=%s released=%d", finished, released)
    platforms.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await asyncio.wait_for(asyncio.shield(platforms), PLATFORM_GRACE)
    if ops_server is not None:
        await ops_server.stop()
    await core.engine.dispose()
    done.set()
    log.info("shutdown done seconds=%.2f", time.monotonic() - started)


def _overdue(done: threading.Event) -> None:
    """The budget is spent: leave now. A send cut off here is retried from its receipt-less
    state by whoever takes the row; an unclosed database connection would otherwise keep the
    interpreter from exiting (aiosqlite's worker threads are not daemons)."""
    log.warning("shutdown over budget; exiting now finished=%s", done.is_set())
    logging.shutdown()
    os._exit(0 if done.is_set() else 1)
