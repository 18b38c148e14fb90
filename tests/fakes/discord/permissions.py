"""Permissions computed the way Discord does (roles, overwrites, ADMINISTRATOR, ownership),
and the checks handlers make before acting as the bot (50001/50013, 10003/10004)."""

from __future__ import annotations

from typing import Any

from tests.fakes.discord.constants import (
    _SEND_DEPENDENT,
    CHANNEL_DM,
    CHANNEL_TEXT,
    DiscordHTTPError,
    P,
)
from tests.fakes.discord.state import DiscordState


class Permissions(DiscordState):
    """Who may do what where; handlers call ``_bot_needs`` before acting."""

    def base_permissions(self, user_id: str) -> int:
        if user_id == self.owner_id:
            return P.ALL
        member = self.members.get(user_id)
        if member is None:
            return 0
        perms = int(self.roles[self.guild_id]["permissions"])
        for rid in member["roles"]:
            if rid in self.roles:
                perms |= int(self.roles[rid]["permissions"])
        if perms & P.ADMINISTRATOR:
            return P.ALL
        return perms

    def permissions_in(self, channel_id: str, user_id: str) -> int:
        """Computed the way Discord does: base (@everyone + roles), then the channel's
        overwrites for @everyone, then the member's roles together, then the member;
        ADMINISTRATOR and ownership bypass overwrites; no VIEW_CHANNEL means nothing."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return 0
        if channel["type"] == CHANNEL_DM:
            recipients = {r["id"] for r in channel["recipients"]}
            if user_id in recipients or user_id == self.bot_user_id:
                return (
                    P.VIEW_CHANNEL
                    | P.SEND_MESSAGES
                    | P.READ_MESSAGE_HISTORY
                    | P.ATTACH_FILES
                    | P.EMBED_LINKS
                )
            return 0
        base = self.base_permissions(user_id)
        if base == P.ALL:
            return P.ALL
        member = self.members.get(user_id)
        if member is None:
            return 0
        overwrites = {ow["id"]: ow for ow in channel.get("permission_overwrites", [])}
        perms = base
        everyone = overwrites.get(self.guild_id)
        if everyone:
            perms &= ~int(everyone["deny"])
            perms |= int(everyone["allow"])
        allow = deny = 0
        for rid in member["roles"]:
            ow = overwrites.get(rid)
            if ow and int(ow["type"]) == 0:
                allow |= int(ow["allow"])
                deny |= int(ow["deny"])
        perms &= ~deny
        perms |= allow
        own = overwrites.get(user_id)
        if own and int(own["type"]) == 1:
            perms &= ~int(own["deny"])
            perms |= int(own["allow"])
        if not perms & P.VIEW_CHANNEL:
            return 0
        if channel["type"] == CHANNEL_TEXT and not perms & P.SEND_MESSAGES:
            perms &= ~_SEND_DEPENDENT
        return perms

    def can_view(self, channel_id: str, user_id: str) -> bool:
        return bool(self.permissions_in(channel_id, user_id) & P.VIEW_CHANNEL)

    def can_send(self, channel_id: str, user_id: str) -> bool:
        perms = self.permissions_in(channel_id, user_id)
        return bool(perms & P.VIEW_CHANNEL and perms & P.SEND_MESSAGES)

    def has_permission(self, channel_id: str, user_id: str, permission: int) -> bool:
        return self.permissions_in(channel_id, user_id) & permission == permission

    def overwrite(self, channel_id: str, target_id: str) -> dict[str, Any] | None:
        for ow in self.channels[channel_id].get("permission_overwrites", []):
            if ow["id"] == target_id:
                return dict(ow)
        return None

    def _channel(self, channel_id: str) -> dict[str, Any]:
        ch = self.channels.get(channel_id)
        if ch is None:
            raise DiscordHTTPError(404, 10003)
        return ch

    def _guild(self, guild_id: str) -> None:
        if guild_id != self.guild_id:
            raise DiscordHTTPError(404, 10004)

    def _bot_needs(self, channel_id: str, permission: int) -> None:
        ch = self._channel(channel_id)
        if ch["type"] == CHANNEL_DM:
            return
        perms = self.permissions_in(channel_id, self.bot_user_id)
        if not perms & P.VIEW_CHANNEL:
            raise DiscordHTTPError(403, 50001)
        if perms & permission != permission:
            raise DiscordHTTPError(403, 50013)

    def _bot_guild_needs(self, permission: int) -> None:
        if self.base_permissions(self.bot_user_id) & permission != permission:
            raise DiscordHTTPError(403, 50013)

    def _check_overwrites_allowed(
        self, channel_id: str | None, overwrites: list[dict[str, Any]]
    ) -> None:
        """A bot without ADMINISTRATOR needs MANAGE_ROLES (in the channel) and can only
        allow or deny permissions it has itself."""
        if not overwrites:
            return
        base = self.base_permissions(self.bot_user_id)
        if base == P.ALL:
            return
        if channel_id is not None:
            self._bot_needs(channel_id, P.MANAGE_ROLES)
        elif not base & P.MANAGE_ROLES:
            raise DiscordHTTPError(403, 50013)
        bot_has = (
            base if channel_id is None else self.permissions_in(channel_id, self.bot_user_id) | base
        )
        for ow in overwrites:
            bits = int(ow.get("allow") or 0) | int(ow.get("deny") or 0)
            if bits & ~bot_has:
                raise DiscordHTTPError(403, 50013)
