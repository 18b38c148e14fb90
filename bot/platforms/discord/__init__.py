"""Discord: the whole product in a Discord server (slash commands; no message reading).

discord.py is imported only when the adapter is used (``serve`` or one of the names below), so
that ``circlekeeper`` starts fast when Discord is not configured and its CLI stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.commands.router import Router
from bot.core.runtime import Core

if TYPE_CHECKING:
    from bot.platforms.discord.app import (
        DiscordAdapter,
        DiscordConfig,
        apply_endpoints,
        config_from,
    )

__all__ = ["DiscordAdapter", "DiscordConfig", "apply_endpoints", "config_from", "serve"]


def __getattr__(name: str) -> Any:
    if name in ("DiscordAdapter", "DiscordConfig", "apply_endpoints", "config_from"):
        from bot.platforms.discord import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


async def serve(core: Core, router: Router) -> None:
    """Run the Discord adapter until cancelled (called by ``circlekeeper run``)."""
    from bot.platforms.discord.app import DiscordAdapter, config_from

    adapter = DiscordAdapter(core, router, config_from(core))
    await adapter.start()
    try:
        await adapter.run()
    finally:
        await adapter.stop()
