"""People acting: slash commands, autocomplete, button presses and modal submissions become
INTERACTION_CREATE events, refused (FakeRefused) when Discord would not let the person act."""

from __future__ import annotations

import secrets
import time
from typing import Any

from tests.fakes.discord.commands import Commands
from tests.fakes.discord.constants import (
    CHANNEL_DM,
    EPHEMERAL,
    INTERACTION_AUTOCOMPLETE,
    INTERACTION_COMMAND,
    INTERACTION_COMPONENT,
    INTERACTION_MODAL_SUBMIT,
    OPT_BOOLEAN,
    OPT_CHANNEL,
    OPT_INTEGER,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_ROLE,
    OPT_STRING,
    OPT_USER,
    FakeRefused,
    P,
)
from tests.fakes.discord.interactions import Interactions
from tests.fakes.discord.records import FakeInteraction, buttons_of


class People(Interactions, Commands):
    """Builds interaction payloads as Discord does and dispatches them to the bot."""

    def _member_payload(self, user_id: str, channel_id: str | None = None) -> dict[str, Any]:
        member = dict(self.members[user_id])
        if channel_id is not None:
            member["permissions"] = str(self.permissions_in(channel_id, user_id))
        return member

    def _base_interaction(
        self, itype: int, user_id: str, channel_id: str, data: dict[str, Any] | None
    ) -> dict[str, Any]:
        ch = self.channels.get(channel_id)
        if ch is None:
            raise FakeRefused(f"no channel {channel_id}")
        payload: dict[str, Any] = {
            "id": self.snowflake(),
            "application_id": self.application_id,
            "type": itype,
            "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48),
            "version": 1,
            "channel_id": channel_id,
            "locale": self.locales.get(user_id, "en-US"),
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if data is not None:
            payload["data"] = data
        if ch["type"] == CHANNEL_DM:
            if ch["recipients"][0]["id"] != user_id:
                raise FakeRefused(f"user {user_id} is not in DM channel {channel_id}")
            payload["user"] = self.users[user_id]
            payload["channel"] = {**ch}
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": self.guild_id}
            payload["app_permissions"] = str(self.permissions_in(channel_id, self.bot_user_id))
        else:
            if user_id not in self.members:
                raise FakeRefused(f"user {user_id} is not a member of the guild")
            if not self.can_view(channel_id, user_id):
                raise FakeRefused(f"user {user_id} cannot see channel {channel_id}")
            payload["guild_id"] = self.guild_id
            payload["guild"] = {"id": self.guild_id, "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = self._member_payload(user_id, channel_id)
            payload["channel"] = {
                **ch,
                "permissions": str(self.permissions_in(channel_id, user_id)),
            }
            payload["context"] = 0
            payload["authorizing_integration_owners"] = {"0": self.guild_id}
            payload["app_permissions"] = str(self.permissions_in(channel_id, self.bot_user_id))
        return payload

    async def send_interaction(self, payload: dict[str, Any], user_id: str) -> FakeInteraction:
        """Dispatch an INTERACTION_CREATE to the connected bot."""
        session = self._session_for_guild()
        ia = FakeInteraction(self, payload, user_id)
        self.interactions[ia.id] = ia
        ia.created = time.monotonic()
        await session.dispatch("INTERACTION_CREATE", payload)
        return ia

    def _build_command_data(
        self, command: str, options: dict[str, Any], *, focused: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        words = command.split()
        cmd = self.command(words[0])
        if cmd is None:
            raise FakeRefused(f"no command /{words[0]} is registered")
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        level_opts: list[dict[str, Any]] = cmd.get("options") or []
        container = data
        for word in words[1:]:
            sub = next((o for o in level_opts if o["name"] == word and o["type"] in (1, 2)), None)
            if sub is None:
                raise FakeRefused(f"/{command}: {word!r} is not a sub-command here")
            node: dict[str, Any] = {"name": word, "type": sub["type"], "options": []}
            container.setdefault("options", []).append(node)
            container = node
            level_opts = sub.get("options") or []
        if any(o["type"] in (1, 2) for o in level_opts):
            raise FakeRefused(f"/{command} needs a sub-command")
        resolved: dict[str, Any] = {}
        by_name = {o["name"]: o for o in level_opts}
        for key in options:
            if key not in by_name:
                raise FakeRefused(f"/{command} has no option {key!r} (has {sorted(by_name)})")
        out = []
        for o in level_opts:
            name = o["name"]
            if name not in options:
                if o.get("required") and focused is None:
                    raise FakeRefused(f"/{command}: option {name!r} is required")
                continue
            raw = options[name]
            entry: dict[str, Any] = {
                "name": name,
                "type": o["type"],
                "value": self._option_value(command, o, raw, resolved, focused == name),
            }
            if focused == name:
                if not o.get("autocomplete"):
                    raise FakeRefused(f"/{command}: option {name!r} has no autocomplete")
                entry["focused"] = True
            out.append(entry)
        if out or container is not data:
            container["options"] = out
        return data, resolved

    def _option_value(
        self, command: str, o: dict[str, Any], raw: Any, resolved: dict[str, Any], focused: bool
    ) -> Any:
        t = o["type"]
        if focused:
            return str(raw)
        if t == OPT_STRING:
            value: Any = str(raw)
            if "min_length" in o and len(value) < int(o["min_length"]):
                raise FakeRefused(f"/{command} {o['name']}: too short")
            if "max_length" in o and len(value) > int(o["max_length"]):
                raise FakeRefused(f"/{command} {o['name']}: too long")
        elif t == OPT_INTEGER:
            value = int(raw)
        elif t == OPT_NUMBER:
            value = float(raw)
        elif t == OPT_BOOLEAN:
            value = bool(raw)
        elif t in (OPT_USER, OPT_MENTIONABLE) and str(raw) in self.users:
            value = str(raw)
            resolved.setdefault("users", {})[value] = self.users[value]
            if value in self.members:
                m = {
                    k: v
                    for k, v in self.members[value].items()
                    if k not in ("user", "deaf", "mute")
                }
                m["permissions"] = str(self.base_permissions(value))
                resolved.setdefault("members", {})[value] = m
        elif t in (OPT_ROLE, OPT_MENTIONABLE) and str(raw) in self.roles:
            value = str(raw)
            resolved.setdefault("roles", {})[value] = self.roles[value]
        elif t == OPT_CHANNEL and str(raw) in self.channels:
            value = str(raw)
            ch = self.channels[value]
            resolved.setdefault("channels", {})[value] = {
                "id": value,
                "name": ch.get("name"),
                "type": ch["type"],
                "permissions": str(P.ALL),
                "parent_id": ch.get("parent_id"),
            }
        else:
            raise FakeRefused(f"/{command} {o['name']}: {raw!r} is not a valid value of type {t}")
        if o.get("choices") and value not in [c["value"] for c in o["choices"]]:
            raise FakeRefused(f"/{command} {o['name']}: {value!r} is not one of the choices")
        if "min_value" in o and isinstance(value, int | float) and value < o["min_value"]:
            raise FakeRefused(f"/{command} {o['name']}: below min_value")
        if "max_value" in o and isinstance(value, int | float) and value > o["max_value"]:
            raise FakeRefused(f"/{command} {o['name']}: above max_value")
        return value

    def _check_command_use(self, command: str, user_id: str, channel_id: str) -> None:
        cmd = self.command(command.split()[0])
        assert cmd is not None
        ch = self.channels[channel_id]
        contexts = cmd.get("contexts")
        context = 1 if ch["type"] == CHANNEL_DM else 0
        if contexts is not None and context not in contexts:
            raise FakeRefused(f"/{cmd['name']} cannot be used in this context ({context})")
        if ch["type"] == CHANNEL_DM and contexts is None and not cmd.get("dm_permission", True):
            raise FakeRefused(f"/{cmd['name']} cannot be used in DMs")
        dmp = cmd.get("default_member_permissions")
        if dmp is not None and ch["type"] != CHANNEL_DM:
            need = int(dmp)
            if need == 0 and self.base_permissions(user_id) != P.ALL:
                raise FakeRefused(f"/{cmd['name']} is hidden from user {user_id}")
            if self.permissions_in(channel_id, user_id) & need != need:
                raise FakeRefused(f"/{cmd['name']} is hidden from user {user_id} (needs {need})")
        if ch["type"] != CHANNEL_DM and not self.has_permission(
            channel_id, user_id, P.USE_APPLICATION_COMMANDS
        ):
            raise FakeRefused(f"user {user_id} may not use application commands in {channel_id}")

    async def slash(
        self,
        user_id: str,
        channel_id: str,
        command: str,
        options: dict[str, Any] | None = None,
        **kw: Any,
    ) -> FakeInteraction:
        """``/command sub ... option:value`` typed by ``user_id`` in ``channel_id``.

        ``command`` is the words (``"circle schedule set"``), options by name. User
        options take user ids (resolved data is filled in as Discord does)."""
        opts = {**(options or {}), **kw}
        data, resolved = self._build_command_data(command, opts)
        self._check_command_use(command, user_id, channel_id)
        if resolved:
            data["resolved"] = resolved
        payload = self._base_interaction(INTERACTION_COMMAND, user_id, channel_id, data)
        return await self.send_interaction(payload, user_id)

    async def autocomplete(
        self,
        user_id: str,
        channel_id: str,
        command: str,
        focused: str,
        value: str,
        options: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Typing ``value`` into option ``focused``; returns the choices the bot offers."""
        opts = {**(options or {}), focused: value}
        data, _ = self._build_command_data(command, opts, focused=focused)
        self._check_command_use(command, user_id, channel_id)
        payload = self._base_interaction(INTERACTION_AUTOCOMPLETE, user_id, channel_id, data)
        ia = await self.send_interaction(payload, user_id)
        await ia.wait_response()
        return ia.choices or []

    def _find_message(self, message_id: str) -> dict[str, Any] | None:
        for msgs in self.messages.values():
            if message_id in msgs:
                return msgs[message_id]
        for ia in self.interactions.values():
            for m in [ia.original, *ia.followups]:
                if m is not None and m["id"] == message_id:
                    return m
        return None

    async def press_button(
        self,
        user_id: str,
        message: dict[str, Any] | str,
        custom_id: str | None = None,
        *,
        label: str | None = None,
    ) -> FakeInteraction:
        """``user_id`` presses a button (by custom_id or label) on a message they can see."""
        msg = self._find_message(message if isinstance(message, str) else message["id"])
        if msg is None:
            raise FakeRefused(f"no message {message!r}")
        if msg.get("flags", 0) & EPHEMERAL:
            owner = next(
                (
                    ia.user_id
                    for ia in self.interactions.values()
                    if msg is ia.original or msg in ia.followups
                ),
                None,
            )
            if owner != user_id:
                raise FakeRefused(
                    "only the person who got an ephemeral message can press its buttons"
                )
        button = None
        for b in buttons_of(msg):
            if (custom_id is not None and b.get("custom_id") == custom_id) or (
                label is not None and b.get("label") == label
            ):
                button = b
                break
        if button is None:
            raise FakeRefused(
                f"message {msg['id']} has no button {custom_id or label!r}: {buttons_of(msg)}"
            )
        if button.get("disabled"):
            raise FakeRefused(f"button {button.get('custom_id')!r} is disabled")
        if int(button.get("style", 0)) == 5:
            raise FakeRefused("link buttons do not send interactions")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        payload = self._base_interaction(
            INTERACTION_COMPONENT, user_id, str(msg["channel_id"]), data
        )
        payload["message"] = msg
        return await self.send_interaction(payload, user_id)

    async def submit_modal(
        self,
        user_id: str,
        values: dict[str, str],
        *,
        custom_id: str | None = None,
        source: FakeInteraction | None = None,
    ) -> FakeInteraction:
        """``user_id`` fills in and submits the modal the bot opened for them."""
        if source is None:
            candidates = [
                ia
                for ia in self.interactions.values()
                if ia.modal is not None and ia.user_id == user_id
            ]
            if custom_id is not None:
                candidates = [
                    ia for ia in candidates if ia.modal and ia.modal.get("custom_id") == custom_id
                ]
            if not candidates:
                raise FakeRefused(f"no modal is open for user {user_id}")
            source = candidates[-1]
        modal = source.modal
        if modal is None:
            raise FakeRefused("that interaction opened no modal")
        inputs: list[tuple[dict[str, Any], str]] = []  # (text input, form)
        for c in modal.get("components") or []:
            if c.get("type") == 1:
                inputs.extend((x, "row") for x in c.get("components") or [] if x.get("type") == 4)
            elif c.get("type") == 18 and (c.get("component") or {}).get("type") == 4:
                inputs.append((c["component"], "label"))
        known = {ti["custom_id"] for ti, _ in inputs}
        for k in values:
            if k not in known:
                raise FakeRefused(
                    f"modal {modal.get('custom_id')!r} has no field {k!r} (has {sorted(known)})"
                )
        comps = []
        for ti, form in inputs:
            value = values.get(ti["custom_id"], ti.get("value") or "")
            if ti.get("required", True) and not value:
                raise FakeRefused(f"modal field {ti['custom_id']!r} is required")
            if "max_length" in ti and len(value) > int(ti["max_length"]):
                raise FakeRefused(f"modal field {ti['custom_id']!r} is too long")
            if value and "min_length" in ti and len(value) < int(ti["min_length"]):
                raise FakeRefused(f"modal field {ti['custom_id']!r} is too short")
            entry = {"type": 4, "id": ti.get("id", 1), "custom_id": ti["custom_id"], "value": value}
            if form == "row":
                comps.append({"type": 1, "components": [entry]})
            else:
                comps.append({"type": 18, "id": 100 + len(comps), "component": entry})
        data = {"custom_id": modal["custom_id"], "components": comps}
        channel_id = source.channel_id or ""
        payload = self._base_interaction(INTERACTION_MODAL_SUBMIT, user_id, channel_id, data)
        if source.component_message is not None:
            payload["message"] = source.component_message
        return await self.send_interaction(payload, user_id)
