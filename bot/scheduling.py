"""Periodic work: APScheduler 3 wakes the dispatcher and keeps the ledger filled.

The database is the only copy of every schedule and every delivery. APScheduler's jobs here are
in memory and interchangeable; after a restart they are simply created again:

* ``materialise`` (every 10 minutes, and at start): deliveries up to ``[scheduler] horizon_days``;
* ``dispatch`` (every ``[scheduler] tick_seconds``): ``Dispatcher.run_due``; after each run a
  one-off wake-up is set for the next pending row, so a reminder goes out on time, not up to a
  tick late;
* ``clean-up`` (every 6 hours): finished rows of meetings more than ``KEEP`` ago.

``attach`` wires the same work to ``core.tick()`` (the console's ``:advance``) without the
scheduler, since the console's clock only moves when told to.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core import events, ledger, reminders
from bot.core.ledger import Dispatcher
from bot.core.runtime import Core
from bot.ops import metrics

log = logging.getLogger(__name__)

KEEP = timedelta(days=60)
AHEAD = timedelta(seconds=1)
"""The dispatcher wakes this long before a row falls due, to be ready to send on the instant."""
MATERIALISE_EVERY = timedelta(minutes=10)
CLEANUP_EVERY = timedelta(hours=6)


def attach(core: Core) -> Dispatcher:
    """Register materialising and dispatching as tick hooks (once per core)."""
    if core.dispatcher is not None:
        return core.dispatcher
    dispatcher = core.dispatcher = Dispatcher(core)

    async def materialise() -> None:
        await reminders.materialise_all(core)
        await events.roll_all(core)

    core.tick_hooks.append(materialise)
    core.tick_hooks.append(dispatcher.run_due)
    return dispatcher


async def cleanup(core: Core) -> int:
    async with core.sessions() as s, s.begin():
        removed = await ledger.purge_finished(s, core.clock.now() - KEEP)
    log.info("ledger clean-up removed=%d", removed)
    return removed


class Scheduler:
    """The running process's periodic jobs; ``start`` in the event loop, ``stop`` at the end."""

    def __init__(self, core: Core, dispatcher: Dispatcher | None = None) -> None:
        self.core = core
        self.dispatcher = dispatcher or Dispatcher(core)
        self.aps = AsyncIOScheduler(timezone=UTC)
        self._next_wake: datetime | None = None

    async def start(self, *, materialise_now: bool = True) -> None:
        cfg = self.core.settings.file.scheduler
        now = datetime.now(UTC)
        common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        self.aps.add_job(
            self.materialise,
            "interval",
            seconds=MATERIALISE_EVERY.total_seconds(),
            id="materialise",
            next_run_time=now if materialise_now else now + MATERIALISE_EVERY,
            **common,
        )
        self.aps.add_job(
            self.dispatch,
            "interval",
            seconds=cfg.tick_seconds,
            id="dispatch",
            next_run_time=now,
            **common,
        )
        self.aps.add_job(
            cleanup,
            "interval",
            args=[self.core],
            seconds=CLEANUP_EVERY.total_seconds(),
            id="cleanup",
            **common,
        )
        self.aps.start()
        log.info("scheduler started tick_seconds=%s", cfg.tick_seconds)

    def stop(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)

    async def materialise(self) -> None:
        await reminders.materialise_all(self.core)
        await events.roll_all(self.core)  # each circle's calendar event on to its next meeting
        await self._plan_wake()

    async def dispatch(self) -> None:
        metrics.dispatcher_started()
        succeeded = False
        try:
            await self.dispatcher.run_due(AHEAD)
            succeeded = True
        finally:
            metrics.dispatcher_ran(succeeded=succeeded)
            await self._plan_wake()

    async def _plan_wake(self) -> None:
        """Wake when the next row falls due (``AHEAD`` early), if that is before the next tick."""
        nxt = await self.dispatcher.next_due()
        if nxt is None:
            return
        tick = timedelta(seconds=self.core.settings.file.scheduler.tick_seconds)
        now = self.core.clock.now()
        if nxt - now >= tick:
            return
        # AHEAD early; once within AHEAD of it (a lease that has not run out yet), on the instant.
        when = nxt - AHEAD if nxt - AHEAD > now else max(nxt, now)
        if self._next_wake is not None and self._next_wake == when:
            return
        self._next_wake = when
        self.aps.add_job(
            self.dispatch,
            "date",
            run_date=when,
            id="dispatch-next",
            replace_existing=True,
            misfire_grace_time=None,
        )
