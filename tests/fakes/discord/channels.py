"""Channels and permission overwrites: create, edit, delete, overwrite put/delete, typing."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.discord.constants import (
    CHANNEL_CATEGORY,
    CHANNEL_DM,
    CHANNEL_TEXT,
    CHANNEL_VOICE,
    DiscordHTTPError,
    P,
    _form_error,
)
from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.permissions import Permissions
from tests.fakes.discord.records import RecordedRequest
from tests.fakes.routing import serves


class Channels(Permissions, Gateway):
    """Guild channels (text, voice, categories) and their overwrites."""

    def add_channel(
        self,
        name: str,
        *,
        type: int = CHANNEL_TEXT,
        parent_id: str | None = None,
        overwrites: list[dict[str, Any]] | None = None,
    ) -> str:
        cid = self.snowflake()
        self.channels[cid] = self._channel_obj(cid, name, type, parent_id, overwrites or [])
        self.messages[cid] = {}
        self._fire_guild("CHANNEL_CREATE", self.channels[cid])
        return cid

    def channel_by_name(self, name: str) -> dict[str, Any] | None:
        for c in self.channels.values():
            if c.get("name") == name and c["type"] != CHANNEL_DM:
                return c
        return None

    def _channel_obj(
        self,
        cid: str,
        name: str,
        ctype: int,
        parent_id: str | None,
        overwrites: list[dict[str, Any]],
    ) -> dict[str, Any]:
        ch: dict[str, Any] = {
            "id": cid,
            "type": ctype,
            "guild_id": self.guild_id,
            "name": name,
            "position": len([c for c in self.channels.values() if c["type"] != CHANNEL_DM]),
            "permission_overwrites": [self._overwrite_obj(o) for o in overwrites],
            "parent_id": parent_id,
            "nsfw": False,
            "flags": 0,
        }
        if ctype == CHANNEL_TEXT:
            ch.update(
                {
                    "topic": None,
                    "last_message_id": None,
                    "rate_limit_per_user": 0,
                    "last_pin_timestamp": None,
                }
            )
        if ctype == CHANNEL_VOICE:
            ch.update(
                {
                    "bitrate": 64000,
                    "user_limit": 0,
                    "rtc_region": None,
                    "last_message_id": None,
                    "rate_limit_per_user": 0,
                }
            )
        return ch

    @staticmethod
    def _overwrite_obj(o: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(o["id"]),
            "type": int(o.get("type") or 0),
            "allow": str(int(o.get("allow") or 0)),
            "deny": str(int(o.get("deny") or 0)),
        }

    def _normalise_overwrites(
        self, raw: list[dict[str, Any]], path: list[str | int]
    ) -> list[dict[str, Any]]:
        out = []
        for i, ow in enumerate(raw or []):
            oid = str(ow.get("id", ""))
            otype = int(ow.get("type") if ow.get("type") is not None else -1)
            if otype == 0 and oid not in self.roles:
                raise _form_error([*path, i, "id"], "Unknown role", "UNKNOWN_ROLE")
            if otype == 1 and oid not in self.users:
                raise _form_error([*path, i, "id"], "Unknown user", "UNKNOWN_USER")
            if otype not in (0, 1):
                raise _form_error([*path, i, "type"], "Value must be 0 (role) or 1 (member)")
            out.append(self._overwrite_obj({**ow, "id": oid, "type": otype}))
        return out

    @serves(("GET", "/guilds/{guild_id}/channels"))
    async def _guild_channels(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        return [c for c in self.channels.values() if c["type"] != CHANNEL_DM]

    @serves(("POST", "/guilds/{guild_id}/channels"))
    async def _create_channel(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        body = rec.json or {}
        self._bot_guild_needs(P.MANAGE_CHANNELS)
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise _form_error(
                ["name"], "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH"
            )
        ctype = int(body.get("type") or 0)
        if ctype not in (CHANNEL_TEXT, CHANNEL_VOICE, CHANNEL_CATEGORY, 5, 13, 15, 16):
            raise _form_error(["type"], "Value is not a valid channel type")
        parent_id = body.get("parent_id")
        if parent_id is not None:
            parent_id = str(parent_id)
            parent = self.channels.get(parent_id)
            if parent is None or parent["type"] != CHANNEL_CATEGORY:
                raise _form_error(
                    ["parent_id"], "Category does not exist", "CHANNEL_PARENT_INVALID"
                )
            if ctype == CHANNEL_CATEGORY:
                raise _form_error(["parent_id"], "Categories cannot have a parent")
        if "permission_overwrites" in body and body["permission_overwrites"] is not None:
            overwrites = self._normalise_overwrites(
                body["permission_overwrites"], ["permission_overwrites"]
            )
            self._check_overwrites_allowed(None, overwrites)
        elif parent_id is not None:
            overwrites = [dict(o) for o in self.channels[parent_id]["permission_overwrites"]]
        else:
            overwrites = []
        if ctype == CHANNEL_TEXT:
            name = re.sub(r"\s+", "-", name.strip().lower())
        cid = self.snowflake()
        ch = self._channel_obj(cid, name, ctype, parent_id, overwrites)
        if ctype == CHANNEL_TEXT and body.get("topic"):
            ch["topic"] = body["topic"]
        self.channels[cid] = ch
        self.messages[cid] = {}
        self._fire_guild("CHANNEL_CREATE", ch)
        return 201, ch

    @serves(("GET", "/channels/{channel_id}"))
    async def _get_channel(self, rec: RecordedRequest, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        self._bot_needs(channel_id, P.VIEW_CHANNEL)
        return ch

    @serves(("PATCH", "/channels/{channel_id}"))
    async def _edit_channel(self, rec: RecordedRequest, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        if ch["type"] == CHANNEL_DM:
            raise DiscordHTTPError(403, 50003, "Cannot execute action on a DM channel")
        body = rec.json or {}
        self._bot_needs(channel_id, P.MANAGE_CHANNELS)
        if "permission_overwrites" in body:
            overwrites = self._normalise_overwrites(
                body["permission_overwrites"] or [], ["permission_overwrites"]
            )
            self._check_overwrites_allowed(channel_id, overwrites)
            ch["permission_overwrites"] = overwrites
        if "name" in body:
            ch["name"] = (
                re.sub(r"\s+", "-", str(body["name"]).strip().lower())
                if ch["type"] == 0
                else body["name"]
            )
        if "parent_id" in body:
            ch["parent_id"] = str(body["parent_id"]) if body["parent_id"] else None
            if body.get("lock_permissions") and ch["parent_id"]:
                ch["permission_overwrites"] = [
                    dict(o) for o in self.channels[ch["parent_id"]]["permission_overwrites"]
                ]
        for key in ("topic", "position", "nsfw", "rate_limit_per_user"):
            if key in body:
                ch[key] = body[key]
        self._fire_guild("CHANNEL_UPDATE", ch)
        return ch

    @serves(("DELETE", "/channels/{channel_id}"))
    async def _delete_channel(self, rec: RecordedRequest, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        if ch["type"] != CHANNEL_DM:
            self._bot_needs(channel_id, P.MANAGE_CHANNELS)
        del self.channels[channel_id]
        self._fire_guild("CHANNEL_DELETE", ch)
        return ch

    @serves(("PUT", "/channels/{channel_id}/permissions/{overwrite_id}"))
    async def _put_overwrite(self, rec: RecordedRequest, channel_id: str, overwrite_id: str) -> Any:
        ch = self._channel(channel_id)
        if ch["type"] == CHANNEL_DM:
            raise DiscordHTTPError(403, 50003, "Cannot execute action on a DM channel")
        body = rec.json or {}
        if body.get("type") is None:
            raise _form_error(["type"], "This field is required", "BASE_TYPE_REQUIRED")
        [ow] = self._normalise_overwrites([{**body, "id": overwrite_id}], [])
        self._check_overwrites_allowed(channel_id, [ow])
        ch["permission_overwrites"] = [
            o for o in ch["permission_overwrites"] if o["id"] != overwrite_id
        ] + [ow]
        self._fire_guild("CHANNEL_UPDATE", ch)
        return None

    @serves(("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}"))
    async def _delete_overwrite(
        self, rec: RecordedRequest, channel_id: str, overwrite_id: str
    ) -> Any:
        ch = self._channel(channel_id)
        self._check_overwrites_allowed(channel_id, [{"allow": 0, "deny": 0}])
        self._bot_needs(channel_id, P.MANAGE_ROLES)
        before = len(ch["permission_overwrites"])
        ch["permission_overwrites"] = [
            o for o in ch["permission_overwrites"] if o["id"] != overwrite_id
        ]
        if len(ch["permission_overwrites"]) == before:
            raise DiscordHTTPError(404, 10009)
        self._fire_guild("CHANNEL_UPDATE", ch)
        return None

    @serves(("POST", "/channels/{channel_id}/typing"))
    async def _typing(self, rec: RecordedRequest, channel_id: str) -> Any:
        self._bot_needs(channel_id, P.SEND_MESSAGES)
        return None
