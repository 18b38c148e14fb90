"""Issue 9, item 16: a delivery that outlasts its lease is not taken over and sent twice.

The replayed report: lease 5 s, one reminder to 12 people by DM, each DM answered after 1 s, and
a second dispatcher polling the same database. Before the heartbeat, the second dispatcher
claimed the row when the first one's lease ran out (5 s in) and sent the DM the first was
sending at that moment (and raced it for the rest). Counted at the platform (a loopback sink
that records every request): each person receives exactly one request, and the row is finished
once, by the dispatcher that claimed it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.config import Environment, FileSettings, Settings
from bot.core.ledger import Dispatcher
from bot.core.runtime import Core
from bot.wiring import start_core
from storage.models import Delivery, DeliveryReceipt, DeliveryStatus, Membership, Notify
from tests.fakes.seed import seed_circles
from tests.fakes.sink import Sink, SinkPort

LEASE = 5
PEOPLE = 12
DM_SECONDS = 1.0


async def _core(db_url: str) -> Core:
    settings = Settings(
        file=FileSettings.model_validate({"scheduler": {"lease_seconds": LEASE}}),
        env=Environment(CIRCLEKEEPER_DATABASE_URL=db_url),
    )
    return await start_core(settings)


@pytest.fixture
async def cores(db_url: str) -> AsyncIterator[tuple[Core, Core]]:
    """Two processes' worth of core (own engine, own dispatcher) on one database."""
    first = await _core(db_url)
    second = await _core(db_url)
    yield first, second
    await first.engine.dispose()
    await second.engine.dispose()


async def test_a_delivery_outlasting_its_lease_is_not_sent_twice(
    cores: tuple[Core, Core],
) -> None:
    first, second = cores
    start = (datetime.now(UTC) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    await seed_circles(first, 1, start, notify=Notify.DM)  # the 1-hour reminder is due now
    async with first.sessions() as s, s.begin():
        circle_id = (await s.execute(select(Membership.circle_id))).scalar_one()
        await s.execute(
            insert(Membership),
            [
                {
                    "circle_id": circle_id,
                    "user_id": f"p{i}",
                    "role": "member",
                    "status": "active",
                    "notify": Notify.DM,
                    "since": datetime.now(UTC),
                }
                for i in range(1, PEOPLE)
            ],
        )
    sink = Sink(delay=DM_SECONDS)
    await sink.start()
    ports = [SinkPort(sink.url), SinkPort(sink.url)]
    first.ports["sink"], second.ports["sink"] = ports
    a, b = Dispatcher(first), Dispatcher(second)
    try:
        working = asyncio.create_task(a.run_due())
        took_over = 0
        async with asyncio.timeout(PEOPLE * DM_SECONDS + 3 * LEASE):
            while not sink.hits:  # noqa: ASYNC110 (the first has claimed the row and is sending)
                await asyncio.sleep(0.02)
            while not working.done():
                took_over += await b.run_due()
                await asyncio.sleep(0.25)
            assert await working == 1
    finally:
        for port in ports:
            await port.close()
        await sink.stop()

    per_person = Counter(h.channel for h in sink.hits)
    assert len(per_person) == PEOPLE
    assert set(per_person.values()) == {1}, f"sent twice: {per_person}"
    assert not sink.repeats
    assert took_over == 0
    assert a.renewals >= 1, "the lease was renewed while the 12 DMs went out"
    async with first.sessions() as s:
        status, owner = (
            await s.execute(
                select(Delivery.status, Delivery.lease_owner).where(Delivery.attempts > 0)
            )
        ).one()
        receipts = (await s.execute(select(func.count(DeliveryReceipt.id)))).scalar_one()
    assert (status, owner, receipts) == (DeliveryStatus.SENT, a.owner, PEOPLE)


async def test_a_dispatcher_that_lost_its_lease_sends_nothing_more(
    cores: tuple[Core, Core],
) -> None:
    """If renewing fails (the row was taken over meanwhile), the old owner stops at once."""
    first, second = cores
    start = (datetime.now(UTC) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    await seed_circles(first, 1, start, notify=Notify.DM)
    async with first.sessions() as s, s.begin():
        circle_id = (await s.execute(select(Membership.circle_id))).scalar_one()
        await s.execute(
            insert(Membership),
            [
                {
                    "circle_id": circle_id,
                    "user_id": f"p{i}",
                    "role": "member",
                    "status": "active",
                    "notify": Notify.DM,
                    "since": datetime.now(UTC),
                }
                for i in range(1, 4)
            ],
        )
    sink = Sink(delay=0.5)
    await sink.start()
    port = SinkPort(sink.url)
    first.ports["sink"] = second.ports["sink"] = port
    a = Dispatcher(first)
    try:
        working = asyncio.create_task(a.run_due())
        async with asyncio.timeout(10):
            while not sink.arrived:  # noqa: ASYNC110 (the sink counts; nothing to wait on)
                await asyncio.sleep(0.01)
            # While the first DM is in flight, another process takes the row over
            # (as after a stall longer than the lease).
            async with second.sessions() as s, s.begin():
                row = (
                    await s.execute(select(Delivery).where(Delivery.lease_owner == a.owner))
                ).scalar_one()
                row.lease_owner = "someone-else"
            await a.renew()
            assert await working == 0
    finally:
        await port.close()
        await sink.stop()
    assert len(sink.hits) == 1, "no DM after the lease was lost"
