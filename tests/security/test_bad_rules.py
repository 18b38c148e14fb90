"""A rule that never matches (issue 9, item 14): bounded, off the event loop, a clear error."""

from __future__ import annotations

import asyncio
import time

from tests.harness import Harness
from tests.mentor_support import START, make_circle


async def test_a_no_match_rrule_is_refused_quickly_without_blocking_the_loop(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        gaps: list[float] = []
        running = True

        async def heartbeat() -> None:
            last = time.monotonic()
            while running:
                await asyncio.sleep(0.02)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        beat = asyncio.create_task(heartbeat())
        began = time.monotonic()
        r = await h.run("lee", '/circle schedule set rrule:"FREQ=DAILY;BYSETPOS=2" time:19:00')
        took = time.monotonic() - began
        running = False
        await beat
        assert "has no meeting in the 5 years" in r.text
        assert took < 4.0
        assert max(gaps) < 0.5  # the loop kept answering while the rule was searched
        r = await h.run("lee", "/circle schedule show")
        assert "has no meeting schedule yet" in r.text  # nothing was saved
