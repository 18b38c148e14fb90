"""Discord: the whole product in a Discord server (slash commands; no message reading)."""

from __future__ import annotations

from bot.commands.router import Router
from bot.core.runtime import Core
from bot.platforms.discord.app import DiscordAdapter, DiscordConfig, apply_endpoints, config_from

__all__ = ["DiscordAdapter", "DiscordConfig", "apply_endpoints", "config_from", "serve"]


async def serve(core: Core, router: Router) -> None:
    """Run the Discord adapter until cancelled (called by ``circlekeeper run``)."""
    adapter = DiscordAdapter(core, router, config_from(core))
    await adapter.start()
    try:
        await adapter.run()
    finally:
        await adapter.stop()
