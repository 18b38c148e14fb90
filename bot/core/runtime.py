"""The running core: settings, database, clock and connected platforms, built at start-up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.core.clock import Clock
from bot.core.sealing import Sealer
from bot.port import ChatPort

if TYPE_CHECKING:
    from bot.core.ledger import Dispatcher, Handler, Preparer

TickHook = Callable[[], Awaitable[object]]


@dataclass
class Core:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    ports: dict[str, ChatPort] = field(default_factory=dict)
    tick_hooks: list[TickHook] = field(default_factory=list)
    """Run by whatever wakes the core (the scheduler, or the console's ``:advance``)."""
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    """Ledger kind prefix → handler; ``bot.wiring.LEDGER_HANDLERS`` in a running bot."""
    preparers: Mapping[str, Preparer] = field(default_factory=dict)
    """Ledger kind prefix → batch reader run once per claim (``bot.wiring.LEDGER_PREPARERS``)."""
    dispatcher: Dispatcher | None = None
    """This process's dispatcher, once ``bot.scheduling.attach`` has wired it."""
    sealer: Sealer | None = None
    """Seals anonymous askers under the server secret; set by ``start_core``."""

    def seals(self) -> Sealer:
        if self.sealer is None:
            self.sealer = Sealer(self.settings.secret())
        return self.sealer

    def port(self, platform: str) -> ChatPort:
        try:
            return self.ports[platform]
        except KeyError:
            raise LookupError(f"platform {platform!r} is not connected") from None

    async def tick(self) -> None:
        for hook in self.tick_hooks:
            await hook()

    def is_organizer(self, platform: str, user: str, platform_says: bool) -> bool:
        """Organizers: the console's list, the configured IDs, or platform admins / the role."""
        if platform == "console":
            return user in self.settings.file.console.organizers
        org = self.settings.file.organizers
        return user in org.users or (platform_says and org.platform_admins)
