"""Exactly once, counted at the platform: a crash in the middle of a burst, and two dispatchers.

Dispatchers run as real processes (``tests/fakes/sink_worker.py``) on the database under test and
send through HTTP to a loopback sink in this process that shows each idempotency key once. Every
wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Environment, FileSettings, Settings
from bot.core.runtime import Core
from bot.wiring import start_core
from storage.models import Circle, Delivery, DeliveryReceipt, DeliveryStatus
from tests.fakes.seed import seed_circles
from tests.fakes.sink import Sink

ROOT = Path(__file__).resolve().parent.parent
BURST = 500


@pytest.fixture
async def core(db_url: str) -> AsyncIterator[Core]:
    settings = Settings(
        file=FileSettings.model_validate({"scheduler": {"lease_seconds": 5}}),
        env=Environment(CIRCLEKEEPER_DATABASE_URL=db_url),
    )
    c = await start_core(settings)
    yield c
    await c.engine.dispose()


async def burst(core: Core) -> set[str]:
    """500 circles whose 1-hour reminder is due now (their meetings start in 30 minutes)."""
    start = (datetime.now(UTC) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    await seed_circles(core, BURST, start)
    async with core.sessions() as s:
        rows = (
            await s.execute(
                select(Delivery.id, Circle.channel_id, Delivery.due_at)
                .join(Circle, Circle.id == Delivery.circle_id)
                .where(Delivery.status == DeliveryStatus.PENDING)
            )
        ).all()
    due_now = [r for r in rows if r.due_at <= datetime.now(UTC)]
    assert len(due_now) == BURST
    return {f"ck:{r.id}:channel:{r.channel_id}" for r in due_now}


async def worker(db_url: str, sink: Sink, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.sink_worker",
        db_url,
        sink.url,
        *extra,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def until(condition: Callable[[], bool], within: float) -> None:
    """Poll a counter of this process's sink (bounded)."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 (the sink counts; nothing to wait on)
            await asyncio.sleep(0.05)


async def finished(core: Core) -> dict[str, int]:
    async with core.sessions() as s:
        rows = (
            await s.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
        ).all()
        receipts = (await s.execute(select(func.count(DeliveryReceipt.id)))).scalar_one()
    return {**{str(k): int(v) for k, v in rows}, "receipts": int(receipts)}


async def test_kill_9_mid_burst_then_restart_delivers_each_exactly_once(
    core: Core, db_url: str
) -> None:
    expected = await burst(core)
    sink = Sink(delay=0.002)
    await sink.start()
    try:
        first = await worker(db_url, sink, "--rate", "100")
        await until(lambda: len(sink.shown) >= 120, within=60)
        first.send_signal(signal.SIGKILL)
        await asyncio.wait_for(first.wait(), 10)
        assert first.returncode == -signal.SIGKILL
        assert len(sink.shown) < BURST, "the crash must come in the middle of the burst"

        second = await worker(db_url, sink, "--rate", "200")
        _, err = await asyncio.wait_for(second.communicate(), 120)
        assert second.returncode == 0, err.decode()[-2000:]
    finally:
        await sink.stop()

    # Counted at the platform: every reminder shown, none shown twice.
    assert set(sink.shown) == expected
    assert all(n == 1 for n in sink.shown.values())
    # Repeats the platform dropped by idempotency key are the only second sends there are.
    assert set(sink.repeats) <= expected
    state = await finished(core)
    assert state.get("sent") == BURST and state["receipts"] == BURST


async def test_two_dispatchers_share_a_burst_without_doubling_or_losing(
    core: Core, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("two dispatcher processes: PostgreSQL (FOR UPDATE SKIP LOCKED)")
    expected = await burst(core)
    sink = Sink(delay=0.002)
    await sink.start()
    try:
        procs = [await worker(db_url, sink, "--rate", "150") for _ in range(2)]
        results = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 120)
        for p, (_, err) in zip(procs, results, strict=True):
            assert p.returncode == 0, err.decode()[-2000:]
    finally:
        await sink.stop()
    assert set(sink.shown) == expected
    assert all(n == 1 for n in sink.shown.values())
    assert not sink.repeats, "no row may be claimed by both dispatchers"
    state = await finished(core)
    assert state.get("sent") == BURST and state["receipts"] == BURST
