"""What a command did outside the database: undone if its transaction rolls back.

A command changes the database in one transaction, but a chat platform has no transactions: a
granted channel permission or a pinned message stays even when the command then fails and the
database rolls back. So each use case that changes the platform records the inverse of what it
did (``undo``); the router runs those, newest first, when the transaction rolls back, and runs
``after_commit`` work (e.g. wiping a forgotten person's bytes out of the SQLite file) only once it
has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Action = Callable[[], Awaitable[object]]


@dataclass
class Effects:
    undos: list[tuple[str, Action]] = field(default_factory=list)
    afters: list[tuple[str, Action]] = field(default_factory=list)

    def undo(self, name: str, action: Action) -> None:
        """``action`` reverses a platform change about to be made; run if the command rolls
        back. Recorded once per ``name``: the first (the state before the command) wins."""
        if all(n != name for n, _ in self.undos):
            self.undos.append((name, action))

    def after_commit(self, name: str, action: Action) -> None:
        self.afters.append((name, action))

    async def rolled_back(self) -> None:
        """Reverse every recorded platform change, newest first; a failing undo is logged."""
        undos, self.undos, self.afters = self.undos, [], []
        for name, action in reversed(undos):
            try:
                await action()
            except Exception as exc:  # keep undoing the rest
                log.warning("undo failed action=%s error=%s", name, type(exc).__name__)

    async def committed(self) -> None:
        afters, self.undos, self.afters = self.afters, [], []
        for name, action in afters:
            try:
                await action()
            except Exception as exc:
                log.warning("after-commit failed action=%s error=%s", name, type(exc).__name__)
