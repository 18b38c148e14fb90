"""Messages: posting (nonce + enforce_nonce), history, edit, delete, attachments, DMs (closed
DMs answer 50007), and what a bot without the message-content intent sees."""

from __future__ import annotations

import itertools
import re
from typing import Any

from tests.fakes.discord.constants import (
    CHANNEL_DM,
    EPHEMERAL,
    INTERACTION_COMPONENT,
    LOADING,
    DiscordHTTPError,
    FakeRefused,
    Intents,
    P,
    _form_error,
    _now_iso,
)
from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.message_checks import MessageChecks
from tests.fakes.discord.permissions import Permissions
from tests.fakes.discord.records import FakeInteraction, RecordedFile, RecordedRequest
from tests.fakes.routing import serves


class Messages(MessageChecks, Permissions, Gateway):
    """Channel and DM messages, as stored and as the bot sees them."""

    def messages_in(self, channel_id: str) -> list[dict[str, Any]]:
        return list(self.messages.get(channel_id, {}).values())

    def dm_channel_of(self, user_id: str) -> str | None:
        for c in self.channels.values():
            if c["type"] == CHANNEL_DM and c["recipients"][0]["id"] == user_id:
                return str(c["id"])
        return None

    def dm_messages(self, user_id: str) -> list[dict[str, Any]]:
        cid = self.dm_channel_of(user_id)
        return self.messages_in(cid) if cid else []

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        return self.attachments[str(attachment["id"])]

    def user_posts(self, channel_id: str, user_id: str, content: str) -> dict[str, Any]:
        """A person writes in a channel (refused unless Discord would let them)."""
        if not self.can_send(channel_id, user_id):
            raise FakeRefused(f"user {user_id} may not send in channel {channel_id}")
        msg = self._new_message(channel_id, self.users[user_id], {"content": content}, [])
        self._store_message(channel_id, msg)
        return msg

    def _new_message(
        self,
        channel_id: str,
        author: dict[str, Any],
        payload: dict[str, Any],
        files: list[RecordedFile],
        *,
        webhook: bool = False,
        flags: int = 0,
        interaction: FakeInteraction | None = None,
    ) -> dict[str, Any]:
        mid = self.snowflake()
        attachments = self._attachments_for(payload, files)
        msg: dict[str, Any] = {
            "id": mid,
            "channel_id": channel_id,
            "author": author,
            "content": payload.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts")),
            "mention_everyone": False,
            "mentions": self._mentions(payload.get("content") or ""),
            "mention_roles": [],
            "attachments": attachments,
            "embeds": [self._embed(e) for e in payload.get("embeds") or []],
            "pinned": False,
            "type": 0 if interaction is None or interaction.type == INTERACTION_COMPONENT else 20,
            "flags": flags | int(payload.get("flags") or 0),
            "components": self._components_echo(payload.get("components") or []),
        }
        if self.channels.get(channel_id, {}).get("guild_id"):
            msg["guild_id"] = self.guild_id
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        if webhook:
            msg["webhook_id"] = self.application_id
            msg["application_id"] = self.application_id
        if interaction is not None:
            msg["interaction_metadata"] = {
                "id": interaction.id,
                "type": interaction.type,
                "user": self.users[interaction.user_id],
                "authorizing_integration_owners": {"0": self.guild_id},
            }
        return msg

    def _mentions(self, content: str) -> list[dict[str, Any]]:
        out = []
        for uid in re.findall(r"<@!?(\d+)>", content):
            if uid in self.users:
                out.append(self.users[uid])
        return out

    @staticmethod
    def _embed(e: dict[str, Any]) -> dict[str, Any]:
        e = dict(e)
        e.setdefault("type", "rich")
        return e

    def _components_echo(self, components: list[dict[str, Any]]) -> list[dict[str, Any]]:
        counter = itertools.count(1)

        def number(c: dict[str, Any]) -> dict[str, Any]:
            c = dict(c)
            c.setdefault("id", next(counter))
            if isinstance(c.get("components"), list):
                c["components"] = [number(x) for x in c["components"]]
            return c

        return [number(c) for c in components]

    def _attachments_for(
        self, payload: dict[str, Any], files: list[RecordedFile]
    ) -> list[dict[str, Any]]:
        by_index = {}
        for f in files:
            m = re.fullmatch(r"files\[(\d+)\]", f.field)
            if m:
                by_index[m.group(1)] = f
        described = {str(a.get("id")): a for a in payload.get("attachments") or []}
        out = []
        for idx, f in sorted(by_index.items(), key=lambda kv: int(kv[0])):
            aid = self.snowflake()
            meta = described.get(idx, {})
            filename = meta.get("filename") or f.filename
            self.attachments[aid] = f.data
            out.append(
                {
                    "id": aid,
                    "filename": filename,
                    "size": len(f.data),
                    "url": f"{self.base_url}/attachments/{aid}/{filename}",
                    "proxy_url": f"{self.base_url}/attachments/{aid}/{filename}",
                    "content_type": f.content_type,
                    **({"description": meta["description"]} if meta.get("description") else {}),
                }
            )
        return out

    def _store_message(self, channel_id: str, msg: dict[str, Any]) -> None:
        self.messages.setdefault(channel_id, {})[msg["id"]] = msg
        channel = self.channels.get(channel_id)
        if channel is not None:
            channel["last_message_id"] = msg["id"]
            if channel["type"] == CHANNEL_DM:
                self._fire_dm("MESSAGE_CREATE", self._message_for_bot(msg))
            else:
                self._fire_guild(
                    "MESSAGE_CREATE", {**self._message_for_bot(msg), "guild_id": self.guild_id}
                )

    def _message_for_bot(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Without the message-content intent, a bot sees no content of others' messages."""
        if (
            self.privileged_intents & Intents.MESSAGE_CONTENT
            or msg["author"]["id"] == self.bot_user_id
        ):
            return msg
        channel = self.channels.get(msg["channel_id"], {})
        if channel.get("type") == CHANNEL_DM or any(
            m["id"] == self.bot_user_id for m in msg.get("mentions", [])
        ):
            return msg
        return {**msg, "content": "", "embeds": [], "attachments": [], "components": []}

    @serves(("POST", "/users/@me/channels"))
    async def _create_dm(self, rec: RecordedRequest) -> Any:
        body = rec.json or {}
        uid = str(body.get("recipient_id", ""))
        if uid not in self.users:
            raise _form_error(["recipient_id"], "Unknown user", "NUMBER_TYPE_COERCE")
        existing = self.dm_channel_of(uid)
        if existing:
            return self.channels[existing]
        cid = self.snowflake()
        self.channels[cid] = {
            "id": cid,
            "type": CHANNEL_DM,
            "last_message_id": None,
            "flags": 0,
            "recipients": [self.users[uid]],
        }
        self.messages[cid] = {}
        return self.channels[cid]

    @serves(("POST", "/channels/{channel_id}/messages"))
    async def _post_message(self, rec: RecordedRequest, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        payload = rec.json or {}
        if ch["type"] == CHANNEL_DM:
            recipient = ch["recipients"][0]["id"]
            if (
                recipient in self.closed_dms
                or self.users[recipient].get("bot")
                or recipient not in self.members
            ):
                raise DiscordHTTPError(403, 50007)
        else:
            need = P.SEND_MESSAGES | (P.ATTACH_FILES if rec.files else 0)
            self._bot_needs(channel_id, need)
            if payload.get("embeds"):
                self._bot_needs(channel_id, P.EMBED_LINKS)
        self._validate_message(payload, rec.files)
        nonce = payload.get("nonce")
        if nonce is not None and payload.get("enforce_nonce"):
            key = (channel_id, self.bot_user_id, str(nonce))
            existing = self.nonces.get(key)
            if existing and existing in self.messages.get(channel_id, {}):
                return self.messages[channel_id][existing]
        msg = self._new_message(channel_id, self.users[self.bot_user_id], payload, rec.files)
        if nonce is not None:
            self.nonces[(channel_id, self.bot_user_id, str(nonce))] = msg["id"]
        self._store_message(channel_id, msg)
        return msg

    @serves(("GET", "/channels/{channel_id}/messages"))
    async def _history(self, rec: RecordedRequest, channel_id: str) -> Any:
        self._channel(channel_id)
        self._bot_needs(channel_id, P.READ_MESSAGE_HISTORY)
        msgs = sorted(self.messages_in(channel_id), key=lambda m: int(m["id"]), reverse=True)
        limit = int(rec.query.get("limit", 50))
        if "before" in rec.query:
            msgs = [m for m in msgs if int(m["id"]) < int(rec.query["before"])]
        if "after" in rec.query:
            msgs = [m for m in msgs if int(m["id"]) > int(rec.query["after"])]
        return [self._message_for_bot(m) for m in msgs[:limit]]

    def _message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        self._channel(channel_id)
        msg = self.messages.get(channel_id, {}).get(message_id)
        if msg is None:
            raise DiscordHTTPError(404, 10008)
        return msg

    @serves(("GET", "/channels/{channel_id}/messages/{message_id}"))
    async def _get_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        self._bot_needs(channel_id, P.READ_MESSAGE_HISTORY)
        return self._message_for_bot(self._message(channel_id, message_id))

    def _apply_edit(
        self, msg: dict[str, Any], payload: dict[str, Any], files: list[RecordedFile]
    ) -> None:
        self._validate_message(payload, files, edit=True)
        if "content" in payload:
            msg["content"] = payload["content"] or ""
            msg["mentions"] = self._mentions(msg["content"])
        if "embeds" in payload:
            msg["embeds"] = [self._embed(e) for e in payload["embeds"] or []]
        if "components" in payload:
            msg["components"] = self._components_echo(payload["components"] or [])
        if "flags" in payload and payload["flags"] is not None:
            msg["flags"] = (msg.get("flags", 0) & (EPHEMERAL | LOADING)) | int(payload["flags"])
        if "attachments" in payload or files:
            kept_ids = {str(a.get("id")) for a in payload.get("attachments") or []}
            kept = [a for a in msg.get("attachments", []) if a["id"] in kept_ids]
            msg["attachments"] = kept + self._attachments_for(payload, files)
        msg["flags"] = msg.get("flags", 0) & ~LOADING
        msg["edited_timestamp"] = _now_iso()

    @serves(("PATCH", "/channels/{channel_id}/messages/{message_id}"))
    async def _edit_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        msg = self._message(channel_id, message_id)
        if msg["author"]["id"] != self.bot_user_id:
            raise DiscordHTTPError(403, 50005)
        self._apply_edit(msg, rec.json or {}, rec.files)
        return msg

    @serves(("DELETE", "/channels/{channel_id}/messages/{message_id}"))
    async def _delete_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        msg = self._message(channel_id, message_id)
        if msg["author"]["id"] != self.bot_user_id:
            self._bot_needs(channel_id, P.MANAGE_MESSAGES)
        del self.messages[channel_id][message_id]
        if message_id in self.pins.get(channel_id, []):
            self.pins[channel_id].remove(message_id)
        return None
