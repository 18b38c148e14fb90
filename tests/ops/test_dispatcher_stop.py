"""``Dispatcher.stop`` and ``hand_back``: claimed rows not yet started are released at once, a
row still being sent keeps its lease (nobody may send it alongside), nothing new is claimed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core import kinds, ledger
from bot.core.ledger import Dispatcher, Job
from storage.models import Delivery, DeliveryStatus
from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
OURS = select(Delivery).where(Delivery.kind.startswith("reconvene:ops-")).order_by(Delivery.id)


async def test_stop_releases_unstarted_claims_and_keeps_the_one_in_flight(db_url: str) -> None:
    started = asyncio.Event()
    release = asyncio.Event()
    handled: list[int] = []

    async def slow(job: Job) -> DeliveryStatus:
        handled.append(job.delivery.id)
        started.set()
        await release.wait()
        return DeliveryStatus.SENT

    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        due = START - timedelta(seconds=1)
        async with h.core.sessions() as s, s.begin():
            for i in range(5):
                kind = kinds.of(kinds.RECONVENE, f"ops-{i}")
                await ledger.enqueue(s, 1, START + timedelta(days=i), kind, due)
        h.core.handlers = {**h.core.handlers, kinds.RECONVENE: slow}
        dispatcher = Dispatcher(h.core, concurrency=1)
        running = asyncio.create_task(dispatcher.run_due())
        await asyncio.wait_for(started.wait(), 5)

        assert await dispatcher.stop(0.2) is False  # one row is still being sent
        assert await dispatcher.hand_back() == 4
        async with h.core.sessions() as s:
            rows = (await s.execute(OURS)).scalars().all()
        assert [r.id for r in rows if r.lease_owner is not None] == handled  # the one in flight

        release.set()
        assert await asyncio.wait_for(running, 5) == 1  # it finished; nothing more was claimed
        async with h.core.sessions() as s:
            statuses = [r.status for r in (await s.execute(OURS)).scalars()]
        assert statuses.count(DeliveryStatus.SENT) == 1
        assert statuses.count(DeliveryStatus.PENDING) == 4
        assert len(handled) == 1
        assert await dispatcher.stop(0.2) is True
