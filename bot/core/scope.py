"""What a core service needs to act: the session, the platform, the actor and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.effects import Effects
from bot.core.runtime import Core
from bot.port import ChatPort


@dataclass(frozen=True)
class Scope:
    session: AsyncSession
    core: Core
    port: ChatPort
    platform: str
    workspace: str
    actor: str
    effects: Effects = field(default_factory=Effects)
    """The command's platform changes to undo on rollback (``bot.core.effects``)."""

    def now(self) -> datetime:
        return self.core.clock.now()
