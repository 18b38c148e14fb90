"""The outbound pacer never lets a burst exceed the platform's windows (virtual time)."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from bot.core.pacing import Pacer


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def most_in_window(times: list[float], span: float) -> int:
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - span:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


async def test_burst_stays_within_global_and_per_channel_limits() -> None:
    vt = VirtualTime()
    pacer = Pacer(50, 1.0, key_limit=5, key_period=5.0, clock=vt.clock, sleep=vt.sleep)
    sent: dict[str, list[float]] = defaultdict(list)

    async def send(channel: str) -> None:
        await pacer.acquire(channel)
        sent[channel].append(vt.now)

    channels = [f"c{i}" for i in range(200)] + ["busy"] * 20
    await asyncio.gather(*(send(c) for c in channels))
    every = [t for ts in sent.values() for t in ts]
    assert len(every) == 220
    assert most_in_window(every, 1.0) <= 50
    assert most_in_window(sent["busy"], 5.0) <= 5
    # Twenty messages to one channel need three full 5-second windows after the first five.
    assert max(sent["busy"]) >= 15.0


async def test_back_off_after_429_holds_that_channel_only() -> None:
    vt = VirtualTime()
    pacer = Pacer(50, 1.0, key_limit=5, key_period=5.0, clock=vt.clock, sleep=vt.sleep)
    pacer.back_off(3.0, "c1")
    await pacer.acquire("c2")
    assert vt.now == 0.0
    await pacer.acquire("c1")
    assert vt.now >= 3.0
