"""Pins, under both route families (``/pins`` and ``/messages/pins``), with the pin system
message Discord posts."""

from __future__ import annotations

from typing import Any

from tests.fakes.discord.constants import CHANNEL_DM, DiscordHTTPError, P, _now_iso
from tests.fakes.discord.messages import Messages
from tests.fakes.discord.records import RecordedRequest
from tests.fakes.routing import serves


class Pins(Messages):
    """Pinning needs PIN_MESSAGES (or MANAGE_MESSAGES); 250 pins at most."""

    def pinned(self, channel_id: str) -> list[dict[str, Any]]:
        return [
            self.messages[channel_id][m]
            for m in self.pins.get(channel_id, [])
            if m in self.messages[channel_id]
        ]

    @serves(("GET", "/channels/{channel_id}/messages/pins"), ("GET", "/channels/{channel_id}/pins"))
    async def _list_pins(self, rec: RecordedRequest, channel_id: str) -> Any:
        self._channel(channel_id)
        self._bot_needs(channel_id, P.READ_MESSAGE_HISTORY)
        pinned = [self._message_for_bot(m) for m in reversed(self.pinned(channel_id))]
        if rec.route and rec.route.endswith("/messages/pins"):
            return {
                "items": [{"pinned_at": _now_iso(), "message": m} for m in pinned],
                "has_more": False,
            }
        return pinned

    def _bot_can_pin(self, channel_id: str) -> None:
        ch = self._channel(channel_id)
        if ch["type"] == CHANNEL_DM:
            return
        perms = self.permissions_in(channel_id, self.bot_user_id)
        if not perms & P.VIEW_CHANNEL:
            raise DiscordHTTPError(403, 50001)
        if not perms & (P.PIN_MESSAGES | P.MANAGE_MESSAGES):
            raise DiscordHTTPError(403, 50013)

    @serves(
        ("PUT", "/channels/{channel_id}/messages/pins/{message_id}"),
        ("PUT", "/channels/{channel_id}/pins/{message_id}"),
    )
    async def _pin(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        self._bot_can_pin(channel_id)
        msg = self._message(channel_id, message_id)
        pins = self.pins.setdefault(channel_id, [])
        if message_id not in pins:
            if len(pins) >= 250:
                raise DiscordHTTPError(400, 30003)
            pins.append(message_id)
            msg["pinned"] = True
            ts = _now_iso()
            self.channels[channel_id]["last_pin_timestamp"] = ts
            system = self._new_message(
                channel_id, self.users[self.bot_user_id], {"content": ""}, []
            )
            system["type"] = 6
            system["message_reference"] = {
                "message_id": message_id,
                "channel_id": channel_id,
                "guild_id": self.guild_id,
            }
            self.messages[channel_id][system["id"]] = system
            self._fire_guild(
                "CHANNEL_PINS_UPDATE",
                {"guild_id": self.guild_id, "channel_id": channel_id, "last_pin_timestamp": ts},
            )
        return None

    @serves(
        ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}"),
        ("DELETE", "/channels/{channel_id}/pins/{message_id}"),
    )
    async def _unpin(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        self._bot_can_pin(channel_id)
        msg = self._message(channel_id, message_id)
        pins = self.pins.setdefault(channel_id, [])
        if message_id in pins:
            pins.remove(message_id)
            msg["pinned"] = False
        return None
