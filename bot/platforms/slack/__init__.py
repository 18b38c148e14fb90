"""Slack: the whole product in a Slack workspace (slack-bolt, HTTP or Socket Mode)."""

from __future__ import annotations

import asyncio

from bot.commands.router import Router
from bot.core.runtime import Core
from bot.platforms.slack.app import SlackAdapter, SlackConfig, config_from

__all__ = ["SlackAdapter", "SlackConfig", "config_from", "serve"]


async def serve(core: Core, router: Router) -> None:
    """Run the Slack adapter until cancelled (called by ``circlekeeper run``)."""
    adapter = SlackAdapter(core, router, config_from(core))
    await adapter.start()
    try:
        await asyncio.Event().wait()
    finally:
        await adapter.stop()
