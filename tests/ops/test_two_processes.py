"""Two ``circlekeeper run`` processes on one PostgreSQL database, both serving Slack (HTTP
workers behind a load balancer) and both dispatching: every reminder goes out exactly once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import PG_URL, fresh_pg_database
from tests.fakes.slack import FakeSlack
from tests.ops.procs import ledger_state, posts_per_channel, seed_slack_circles, start_run

CIRCLES = 200

pytestmark = pytest.mark.skipif(
    PG_URL is None,
    reason="needs PostgreSQL: set CIRCLEKEEPER_TEST_DATABASE_URL "
    "(e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)",
)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with fresh_pg_database() as url:
        yield url


async def test_two_run_processes_send_each_reminder_once(pg_url: str, tmp_path: Path) -> None:
    async with FakeSlack() as fake:
        channels = await seed_slack_circles(pg_url, fake, 1)  # migrates; one circle to warm up
        first = await start_run(tmp_path, "a", pg_url, fake)
        second = await start_run(tmp_path, "b", pg_url, fake)
        try:
            await asyncio.gather(first.healthy(), second.healthy())
            # Both are up and dispatching; now a burst falls due for both to claim.
            channels.update(await seed_slack_circles(pg_url, fake, CIRCLES))
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:
                if len(posts_per_channel(fake, channels)) == len(channels):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(2)  # time for a duplicate to show up
        finally:
            results = await asyncio.gather(first.terminate(), second.terminate())
        assert [code for code, _ in results] == [0, 0], first.text() + second.text()
        per_channel = posts_per_channel(fake, channels)
        assert len(per_channel) == len(channels) == CIRCLES + 1
        assert set(per_channel.values()) == {1}, per_channel.most_common(3)
        state = await ledger_state(pg_url)
        assert state.get("sent") == CIRCLES + 1 and state["leased"] == 0, state
        assert "posted channel" in first.text() and "posted channel" in second.text()
