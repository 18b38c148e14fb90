"""The dispatcher off the database's critical path (issue 14): receipts and finished rows are
written in batches, a claim reads its rows' receipts at once, and a process claims only the
rows of workspaces its ports reach. Counted (commits, requests), never timed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select, update

from bot.config import Environment, FileSettings, Settings
from bot.core.ledger import Dispatcher
from bot.core.pacing import Pacer
from bot.core.runtime import Core
from bot.port import Message
from bot.wiring import start_core
from storage.models import Circle, Delivery, DeliveryReceipt, DeliveryStatus, Membership, Notify
from tests.fakes.seed import seed_circles
from tests.fakes.sink import Sink, SinkPort
from tests.test_dispatcher import until

CIRCLES, PEOPLE = 40, 7


@pytest.fixture
async def core(db_url: str) -> AsyncIterator[Core]:
    settings = Settings(
        file=FileSettings.model_validate({}), env=Environment(CIRCLEKEEPER_DATABASE_URL=db_url)
    )
    c = await start_core(settings)
    yield c
    await c.engine.dispose()


async def due_now(core: Core, people: int) -> None:
    """CIRCLES circles whose 1-hour reminder is due now, each with ``people`` DM recipients."""
    start = (datetime.now(UTC) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    await seed_circles(core, CIRCLES, start, notify=Notify.DM)
    if people == 1:
        return
    async with core.sessions() as s, s.begin():
        ids = list((await s.execute(select(Circle.id))).scalars())
        await s.execute(
            insert(Membership),
            [
                {
                    "circle_id": cid,
                    "user_id": f"c{cid}-p{i}",
                    "role": "member",
                    "status": "active",
                    "notify": Notify.DM,
                    "since": datetime.now(UTC),
                }
                for cid in ids
                for i in range(1, people)
            ],
        )


async def test_a_burst_costs_a_few_transactions_not_two_per_recipient(core: Core) -> None:
    await due_now(core, PEOPLE)
    sink = Sink()
    await sink.start()
    port = SinkPort(sink.url, Pacer(limit=1000, key_limit=None))
    core.ports["sink"] = port
    commits = [0]

    def counted(_conn: object) -> None:
        commits[0] += 1

    event.listen(core.engine.sync_engine, "commit", counted)
    try:
        assert await Dispatcher(core).run_due() == CIRCLES
    finally:
        event.remove(core.engine.sync_engine, "commit", counted)
        await port.close()
        await sink.stop()
    recipients = CIRCLES * PEOPLE
    assert len(sink.shown) == recipients and not sink.repeats
    async with core.sessions() as s:
        receipts = (await s.execute(select(func.count(DeliveryReceipt.id)))).scalar_one()
        sent = (
            await s.execute(
                select(func.count(Delivery.id)).where(Delivery.status == DeliveryStatus.SENT)
            )
        ).scalar_one()
    assert (receipts, sent) == (recipients, CIRCLES)
    # Before: 2 per recipient plus a claim and a finish per delivery (over 600 here).
    assert commits[0] <= recipients // 10, commits[0]


async def test_a_retry_skips_recipients_already_receipted_without_asking_each(core: Core) -> None:
    await due_now(core, 3)
    sink = Sink()
    await sink.start()
    port = SinkPort(sink.url)
    core.ports["sink"] = port
    first = Dispatcher(core)
    try:
        assert await first.run_due() == CIRCLES
        # As if those rows' finishing had been lost: pending again, lease run out.
        async with core.sessions() as s, s.begin():
            await s.execute(
                update(Delivery)
                .where(Delivery.status == DeliveryStatus.SENT)
                .values(status=DeliveryStatus.PENDING, lease_until=None, lease_owner=None)
            )
        before = len(sink.hits)
        assert await Dispatcher(core).run_due() == CIRCLES
    finally:
        await port.close()
        await sink.stop()
    assert len(sink.hits) == before, "every recipient had a receipt: nothing sent again"


class GuildPort(SinkPort):
    """A sink port that, like a Discord token, reaches only some workspaces."""

    def __init__(self, url: str, spaces: set[str]) -> None:
        super().__init__(url)
        self.spaces = spaces

    def workspaces(self) -> set[str]:
        return self.spaces


async def test_a_process_claims_only_rows_of_workspaces_it_reaches(core: Core) -> None:
    await due_now(core, 1)  # all in workspace "w"
    sink = Sink()
    await sink.start()
    elsewhere = GuildPort(sink.url, {"another-guild"})
    core.ports["sink"] = elsewhere
    try:
        assert await Dispatcher(core).claim() == []
        core.ports["sink"] = GuildPort(sink.url, {"w"})
        assert len(await Dispatcher(core).claim()) == CIRCLES
    finally:
        await elsewhere.close()
        await sink.stop()


async def test_a_claims_reminders_are_read_in_a_few_queries_not_seven_each(core: Core) -> None:
    """What each reminder needs (circle, schedule, members, mutes, answers, sibling reminders)
    is read once per claim: at a burst's rate seven reads per reminder were the limit."""
    await due_now(core, 1)
    sink = Sink()
    await sink.start()
    port = SinkPort(sink.url, Pacer(limit=1000, key_limit=None))
    core.ports["sink"] = port
    statements = [0]

    def counted(*_args: object) -> None:
        statements[0] += 1

    event.listen(core.engine.sync_engine, "before_cursor_execute", counted)
    try:
        assert await Dispatcher(core).run_due() == CIRCLES
    finally:
        event.remove(core.engine.sync_engine, "before_cursor_execute", counted)
        await port.close()
        await sink.stop()
    assert len(sink.shown) == CIRCLES and not sink.repeats
    # Before: seven per reminder (280 here) on top of the claims.
    assert statements[0] <= CIRCLES // 2, statements[0]


class HeldPort(SinkPort):
    """A sink port on which the DM to one person hangs until released (a slow request)."""

    def __init__(self, url: str, held: str) -> None:
        super().__init__(url)
        self.held = held
        self.release = asyncio.Event()

    async def dm(
        self,
        workspace: str,
        user: str,
        message: Message,
        *,
        key: str | None = None,
        retry: bool = False,
    ) -> str:
        if user == self.held:
            await self.release.wait()
        return await super().dm(workspace, user, message, key=key, retry=retry)


async def test_one_slow_send_does_not_hold_up_the_other_circles(core: Core) -> None:
    """Claims overlap: while one person's reminder hangs, the next claims are made and sent.
    Before, each claim waited for every row of the previous one, so one slow request held back
    every circle after it."""
    await due_now(core, 1)
    sink = Sink()
    await sink.start()
    async with core.sessions() as s:
        held = (await s.execute(select(Membership.user_id).order_by(Membership.id))).scalar()
    assert held is not None
    port = HeldPort(sink.url, held)
    core.ports["sink"] = port
    run = asyncio.create_task(Dispatcher(core, batch=5, concurrency=8).run_due())
    try:
        await until(lambda: len(sink.hits) == CIRCLES - 1, 20)
        assert held not in {h.channel for h in sink.hits} and not run.done()
        port.release.set()
        async with asyncio.timeout(20):
            assert await run == CIRCLES
    finally:
        port.release.set()
        run.cancel()
        await port.close()
        await sink.stop()
    assert len(sink.hits) == CIRCLES and not sink.repeats
