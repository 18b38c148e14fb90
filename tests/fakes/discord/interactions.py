"""Interaction responses: the callback (within 3 s, only once, a type valid for the
interaction), ``@original``, followups, and modal validation."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.discord.constants import (
    EPHEMERAL,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    INTERACTION_PING,
    LOADING,
    DiscordHTTPError,
    _form_error,
)
from tests.fakes.discord.messages import Messages
from tests.fakes.discord.records import FakeInteraction, RecordedRequest
from tests.fakes.routing import serves


class Interactions(Messages):
    """What the bot answers to interactions, on the callback and webhook routes."""

    def _interaction_by_token(self, webhook_id: str, token: str) -> FakeInteraction:
        if webhook_id != self.application_id:
            raise DiscordHTTPError(404, 10015)
        for ia in self.interactions.values():
            if ia.token == token:
                if time.monotonic() - ia.created > 15 * 60:
                    raise DiscordHTTPError(401, 50027, "Invalid Webhook Token")
                return ia
        raise DiscordHTTPError(404, 10015)

    @serves(("POST", "/interactions/{interaction_id}/{interaction_token}/callback"))
    async def _callback(
        self, rec: RecordedRequest, interaction_id: str, interaction_token: str
    ) -> Any:
        ia = self.interactions.get(interaction_id)
        if ia is None or ia.token != interaction_token:
            raise DiscordHTTPError(404, 10062)
        if ia.callbacks:
            self.violations.append(f"interaction {ia.id} answered twice")
            raise DiscordHTTPError(400, 40060)
        elapsed = time.monotonic() - ia.created
        if elapsed > self.interaction_deadline:
            ia.late = True
            self.violations.append(f"interaction {ia.id} answered after {elapsed:.2f}s (limit 3 s)")
            raise DiscordHTTPError(404, 10062)
        body = rec.json or {}
        ctype = int(body.get("type") or 0)
        data = body.get("data") or {}
        allowed = {
            INTERACTION_PING: {1},
            INTERACTION_COMMAND: {4, 5, 9},
            INTERACTION_COMPONENT: {4, 5, 6, 7, 9},
            INTERACTION_AUTOCOMPLETE: {8},
            INTERACTION_MODAL_SUBMIT: {4, 5, 6, 7},
        }[ia.type]
        if ctype not in allowed:
            self.violations.append(
                f"interaction {ia.id}: callback type {ctype} "
                f"not valid for interaction type {ia.type}"
            )
            raise _form_error(["type"], "Interaction callback type is not valid here")
        resource: dict[str, Any] = {"type": ctype}
        if ctype == 4:
            flags = int(data.get("flags") or 0)
            self._validate_message(data, rec.files)
            msg = self._new_message(
                ia.channel_id or "",
                self.users[self.bot_user_id],
                data,
                rec.files,
                webhook=True,
                interaction=ia,
            )
            ia.original = msg
            if not flags & EPHEMERAL and ia.channel_id:
                self._store_message(ia.channel_id, msg)
            resource["message"] = msg
        elif ctype == 5:
            flags = int(data.get("flags") or 0)
            msg = self._new_message(
                ia.channel_id or "",
                self.users[self.bot_user_id],
                {"content": ""},
                [],
                webhook=True,
                interaction=ia,
            )
            msg["flags"] = LOADING | (flags & EPHEMERAL)
            ia.original = msg
            if not flags & EPHEMERAL and ia.channel_id:
                self._store_message(ia.channel_id, msg)
            resource["message"] = msg
        elif ctype == 7:
            target = ia.component_message
            if target is None:
                raise _form_error(["type"], "UPDATE_MESSAGE needs a message")
            self._apply_edit(target, data, rec.files)
            ia._component_edited = True
            resource["message"] = target
        elif ctype == 8:
            choices = data.get("choices") or []
            if len(choices) > 25:
                raise _form_error(["data", "choices"], "Must be 25 or fewer in length.")
            ia.choices = choices
        elif ctype == 9:
            self._validate_modal(data)
            ia.modal = data
        ia.callbacks.append({"type": ctype, "data": data})
        if rec.query.get("with_response") in ("1", "true", "True"):
            response = {
                "interaction": {
                    "id": ia.id,
                    "type": ia.type,
                    "response_message_loading": ctype == 5,
                    "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL),
                },
                "resource": resource,
            }
            if "message" in resource:
                response["interaction"]["response_message_id"] = resource["message"]["id"]
            return response
        return None

    def _validate_modal(self, data: dict[str, Any]) -> None:
        title = data.get("title")
        if not isinstance(title, str) or not 1 <= len(title) <= 45:
            raise _form_error(["data", "title"], "Must be between 1 and 45 in length.")
        cid = data.get("custom_id")
        if not isinstance(cid, str) or not 1 <= len(cid) <= 100:
            raise _form_error(["data", "custom_id"], "Must be between 1 and 100 in length.")
        comps = data.get("components") or []
        if not 1 <= len(comps) <= 5:
            raise _form_error(["data", "components"], "Modals hold 1 to 5 components")
        for i, c in enumerate(comps):
            if c.get("type") == 1:
                inner = c.get("components") or []
                if len(inner) != 1 or inner[0].get("type") != 4:
                    raise _form_error(
                        ["data", "components", i], "A modal action row holds one text input"
                    )
                ti = inner[0]
                label = ti.get("label")
                if not isinstance(label, str) or not 1 <= len(label) <= 45:
                    raise _form_error(
                        ["data", "components", i, "components", 0, "label"],
                        "Must be between 1 and 45 in length.",
                    )
            elif c.get("type") == 18:
                ti = c.get("component") or {}
                label = c.get("label")
                if not isinstance(label, str) or not 1 <= len(label) <= 45:
                    raise _form_error(
                        ["data", "components", i, "label"], "Must be between 1 and 45 in length."
                    )
            elif c.get("type") == 10:
                continue
            else:
                raise _form_error(
                    ["data", "components", i, "type"], "Component type not allowed in a modal"
                )
            if ti.get("type") == 4:
                if int(ti.get("style") or 0) not in (1, 2):
                    raise _form_error(["data", "components", i], "Text input style must be 1 or 2")
                if not ti.get("custom_id"):
                    raise _form_error(["data", "components", i], "Text input needs a custom_id")
                if ti.get("value") is not None and len(str(ti["value"])) > 4000:
                    raise _form_error(
                        ["data", "components", i, "value"], "Must be 4000 or fewer in length."
                    )

    @serves(("POST", "/webhooks/{webhook_id}/{webhook_token}"))
    async def _followup(self, rec: RecordedRequest, webhook_id: str, webhook_token: str) -> Any:
        ia = self._interaction_by_token(webhook_id, webhook_token)
        if not ia.callbacks:
            raise DiscordHTTPError(404, 10015)
        payload = rec.json or {}
        self._validate_message(payload, rec.files)
        if ia.original is not None and ia.original.get("flags", 0) & LOADING:
            # the first followup after a deferral replaces the "thinking" message
            self._apply_edit(ia.original, payload, rec.files)
            msg = ia.original
        else:
            msg = self._new_message(
                ia.channel_id or "",
                self.users[self.bot_user_id],
                payload,
                rec.files,
                webhook=True,
                interaction=ia,
            )
            ia.followups.append(msg)
            if not msg.get("flags", 0) & EPHEMERAL and ia.channel_id:
                self._store_message(ia.channel_id, msg)
        if rec.query.get("wait") in ("true", "1", "True"):
            return msg
        return None

    def _webhook_target(self, ia: FakeInteraction, message_id: str) -> dict[str, Any]:
        if message_id == "@original":
            if ia.original is not None:
                return ia.original
            if ia.response_type in (6, 7) and ia.component_message is not None:
                return ia.component_message
            raise DiscordHTTPError(404, 10008)
        for m in ia.followups:
            if m["id"] == message_id:
                return m
        if ia.original is not None and ia.original["id"] == message_id:
            return ia.original
        raise DiscordHTTPError(404, 10008)

    @serves(
        ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
        ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    )
    async def _get_webhook_message(
        self,
        rec: RecordedRequest,
        webhook_id: str,
        webhook_token: str,
        message_id: str = "@original",
    ) -> Any:
        ia = self._interaction_by_token(webhook_id, webhook_token)
        return self._webhook_target(ia, message_id)

    @serves(
        ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
        ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    )
    async def _edit_webhook_message(
        self,
        rec: RecordedRequest,
        webhook_id: str,
        webhook_token: str,
        message_id: str = "@original",
    ) -> Any:
        ia = self._interaction_by_token(webhook_id, webhook_token)
        msg = self._webhook_target(ia, message_id)
        self._apply_edit(msg, rec.json or {}, rec.files)
        if msg is ia.component_message:
            ia._component_edited = True
        return msg

    @serves(
        ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
        ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    )
    async def _delete_webhook_message(
        self,
        rec: RecordedRequest,
        webhook_id: str,
        webhook_token: str,
        message_id: str = "@original",
    ) -> Any:
        ia = self._interaction_by_token(webhook_id, webhook_token)
        msg = self._webhook_target(ia, message_id)
        self.messages.get(str(msg.get("channel_id")), {}).pop(msg["id"], None)
        if msg is ia.original:
            ia.original = None
        elif msg in ia.followups:
            ia.followups.remove(msg)
        return None
