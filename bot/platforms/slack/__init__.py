"""Slack: the whole product in a Slack workspace (slack-bolt, HTTP or Socket Mode).

slack_bolt and slack_sdk are imported only when the adapter is used (``serve`` or one of the
names below), so that ``circlekeeper`` starts fast when Slack is not configured.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from bot.commands.router import Router
from bot.core.runtime import Core

if TYPE_CHECKING:
    from bot.platforms.slack.app import SlackAdapter, SlackConfig, config_from

__all__ = ["SlackAdapter", "SlackConfig", "config_from", "serve"]


def __getattr__(name: str) -> Any:
    if name in ("SlackAdapter", "SlackConfig", "config_from"):
        from bot.platforms.slack import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


async def serve(core: Core, router: Router) -> None:
    """Run the Slack adapter until cancelled (called by ``circlekeeper run``)."""
    from bot.platforms.slack.app import SlackAdapter, config_from

    adapter = SlackAdapter(core, router, config_from(core))
    await adapter.start()
    try:
        await asyncio.Event().wait()
    finally:
        await adapter.stop()
