"""What a core service needs to act: the session, the platform, the actor and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

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

    def now(self) -> datetime:
        return self.core.clock.now()
