"""Each person's DM channel ID, remembered in memory and in the database (``dm_channels``).

Shared by the Discord and Slack adapters. Read once per process (one query for all), so a bot
that restarts does not open every DM channel again. New and stale IDs are written in the
background, in one transaction per burst: a DM can be sent from inside a command whose own
transaction still holds SQLite's write lock, and must not wait for it.
"""

from __future__ import annotations

import asyncio
import logging

from bot.core.runtime import Core
from storage.repos import dm_channels

log = logging.getLogger(__name__)

FLUSH_DELAY = 0.2


class DmChannels:
    def __init__(self, core: Core, platform: str) -> None:
        self.core = core
        self.platform = platform
        self._known: dict[tuple[str, str], str] = {}
        self._loaded = False
        self._lock = asyncio.Lock()
        self._kept: dict[tuple[str, str], str] = {}
        self._dropped: list[tuple[str, str, str]] = []
        self._task: asyncio.Task[None] | None = None

    async def get(self, workspace: str, user: str) -> str | None:
        if not self._loaded:
            async with self._lock:
                if not self._loaded:
                    async with self.core.sessions() as s:
                        stored = await dm_channels.all_of(s, self.platform)
                    for found, channel in stored.items():
                        self._known.setdefault(found, channel)
                    self._loaded = True
        return self._known.get((workspace, user))

    def keep(self, workspace: str, user: str, channel: str) -> None:
        self._known[(workspace, user)] = channel
        self._kept[(workspace, user)] = channel
        self._kick()

    def drop(self, workspace: str, user: str, channel: str) -> None:
        if self._known.get((workspace, user)) == channel:
            del self._known[(workspace, user)]
        if self._kept.get((workspace, user)) == channel:
            del self._kept[(workspace, user)]
        self._dropped.append((workspace, user, channel))
        self._kick()

    def forget(self, workspace: str, user: str) -> None:
        """Forget-me or a departure: nothing of this person stays, in memory or written later
        (a DM channel kept moments ago may still be waiting for its flush)."""
        self._known.pop((workspace, user), None)
        self._kept.pop((workspace, user), None)
        self._dropped.append((workspace, user, ""))
        self._kick()

    def _kick(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())

    async def drain(self) -> None:
        """Wait until everything kept or dropped so far is written (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _flush(self) -> None:
        while self._kept or self._dropped:
            await asyncio.sleep(FLUSH_DELAY)
            kept, self._kept = self._kept, {}
            dropped, self._dropped = self._dropped, []
            now = self.core.clock.now()
            try:
                async with self.core.sessions() as s, s.begin():
                    for workspace, user, channel in dropped:
                        await dm_channels.drop(s, self.platform, workspace, user, channel or None)
                    await dm_channels.keep_many(
                        s,
                        self.platform,
                        [(w, u, c) for (w, u), c in kept.items()],
                        now,
                    )
            except Exception as exc:  # memory still has them; the next restart reopens
                log.warning(
                    "dm channels not saved count=%d error=%s", len(kept), type(exc).__name__
                )
