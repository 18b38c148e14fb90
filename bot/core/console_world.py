"""The console platform's world kept in the database, so a second console run continues it:
its people, channels, who may do what in them, pins and the message counter.

The console port records each change as it happens; the console saves them after each line it
runs, outside any command's transaction (SQLite has one writer, which a command may hold). A
later run loads them again, so access granted yesterday is still there — and is visibly revoked
when, say, a mentor's invitation expires.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.core.runtime import Core
from storage.repos import console as repo
from storage.repos.console import World

Change = tuple[str, tuple[Any, ...]]
_APPLY: dict[str, Callable[..., Awaitable[None]]] = {
    "person": repo.add_person,
    "channel": repo.add_channel,
    "unchannel": repo.remove_channel,
    "access": repo.set_access,
    "pin": repo.add_pin,
    "messages": repo.set_messages,
}


class WorldStore:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def load(self) -> World:
        async with self.core.sessions() as s:
            return await repo.load(s)

    async def save(self, changes: Sequence[Change]) -> None:
        """Apply the recorded changes in order, in one transaction."""
        async with self.core.sessions() as s, s.begin():
            for kind, args in changes:
                await _APPLY[kind](s, *args)
                await s.flush()
