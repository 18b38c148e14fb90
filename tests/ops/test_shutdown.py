"""SIGTERM in the middle of a burst: ``circlekeeper run`` stops taking work, finishes what it
was sending, hands its claims back, closes Slack and exits within 10 s; a restart then sends the
rest, and every channel ends with exactly one reminder."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.fakes.slack import FakeSlack
from tests.ops.procs import ledger_state, posts_per_channel, seed_slack_circles, start_run

CIRCLES = 300


async def wait_posts(
    fake: FakeSlack, channels: dict[int, str], at_least: int, within: float
) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        got = sum(posts_per_channel(fake, channels).values())
        if got >= at_least:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"only {sum(posts_per_channel(fake, channels).values())} posts")


async def test_sigterm_mid_burst_releases_claims_and_exits_in_time(
    db_url: str, tmp_path: Path
) -> None:
    async with FakeSlack() as fake:
        channels = await seed_slack_circles(db_url, fake, CIRCLES)
        first = await start_run(tmp_path, "first", db_url, fake, lease=600)
        await first.healthy()
        await wait_posts(fake, channels, 40, within=30)
        code, took = await first.terminate()
        log = first.text()
        assert code == 0, log
        assert took < 10.0, (took, log)
        assert "shutdown dispatcher drained=True" in log, log
        assert "shutdown done" in log

        state = await ledger_state(db_url)
        sent = state.get("sent", 0)
        assert 40 <= sent < CIRCLES, state  # stopped in the middle of the burst
        assert state["leased"] == 0, state  # no claim left to wait 600 s for
        per_channel = posts_per_channel(fake, channels)
        assert sum(per_channel.values()) == sent and max(per_channel.values()) == 1

        second = await start_run(tmp_path, "second", db_url, fake, lease=600)
        try:
            await second.healthy()
            await wait_posts(fake, channels, CIRCLES, within=40)
            await asyncio.sleep(1.5)  # a duplicate would show up now
        finally:
            code, _ = await second.terminate()
        assert code == 0, second.text()
        per_channel = posts_per_channel(fake, channels)
        assert len(per_channel) == CIRCLES and set(per_channel.values()) == {1}
        assert (await ledger_state(db_url)).get("sent") == CIRCLES
