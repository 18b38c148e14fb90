"""``pins.add`` and ``pins.remove``."""

from __future__ import annotations

from typing import Any

from tests.fakes.routing import serves
from tests.fakes.slack.access import Access
from tests.fakes.slack.args import SlackApiError
from tests.fakes.slack.records import Team


class Pins(Access):
    """Pinning needs pins:write and the bot in the channel."""

    @serves("pins.add")
    async def _pins_add(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "pins:write")
        self._require(params, "channel", "timestamp")
        channel = self._channel(team, params["channel"])
        if team.bot_user_id not in channel.members:
            raise SlackApiError("not_in_channel")
        message = self._message(channel, params["timestamp"])
        if message.pinned:
            raise SlackApiError("already_pinned")
        message.pinned = True
        return {}

    @serves("pins.remove")
    async def _pins_remove(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "pins:write")
        self._require(params, "channel", "timestamp")
        channel = self._channel(team, params["channel"])
        message = self._message(channel, params["timestamp"])
        if not message.pinned:
            raise SlackApiError("no_pin")
        message.pinned = False
        return {}
