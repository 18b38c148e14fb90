"""Drives a Slack app the way Slack does: signed slash commands, block actions, view submissions
and Events API callbacks, over HTTP (``/slack/events``) or over the fake's Socket Mode.

Payloads follow Slack's documented shapes; trigger IDs and response URLs are issued by the
:class:`~tests.fakes.slack.fake.FakeSlack`, so ``views.open`` and ``respond()`` work end to end.
Buttons are clicked *from what the app posted*: ``driver.click(user, message, action_id)`` finds
the button in the fake's copy of the message and sends its ``value`` back, and a person who cannot
see a message (not a member of its private channel) cannot click it.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import aiohttp

from tests.fakes.slack.blocks import validate_view
from tests.fakes.slack.fake import FakeSlack
from tests.fakes.slack.records import Ephemeral, Message, ResponsePost, View, buttons_in
from tests.fakes.slack.signing import Signature, signed_headers


@dataclass
class Reply:
    """What the app answered: the HTTP status and body (or the Socket Mode ack payload)."""

    status: int
    body: str
    headers: dict[str, str]

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def ok(self) -> bool:
        return self.status == 200


class SlackDriver:
    """Sends what Slack would send to an app.

    ``events_url`` is the app's ``/slack/events`` endpoint (HTTP mode); without it the driver
    delivers through the fake's Socket Mode connection instead.
    """

    def __init__(
        self,
        fake: FakeSlack,
        *,
        signing_secret: str = "",
        events_url: str | None = None,
        verification_token: str = "legacy-verification-token",
        timeout: float = 10.0,
    ) -> None:
        self.fake = fake
        self.signing_secret = signing_secret
        self.events_url = events_url
        self.verification_token = verification_token
        self.timeout = timeout
        self.sent: list[tuple[str, dict[str, Any]]] = []

    # ------------------------------------------------------------------ transport
    async def post_raw(
        self,
        body: bytes,
        content_type: str,
        *,
        signature: Signature = "valid",
        extra_headers: dict[str, str] | None = None,
    ) -> Reply:
        assert self.events_url is not None, "post_raw needs HTTP mode (events_url)"
        assert self.events_url.startswith("http://127.0.0.1:"), "loopback only"
        headers = {"Content-Type": content_type}
        if signature != "missing":
            headers.update(signed_headers(self.signing_secret, body, signature=signature))
        headers.update(extra_headers or {})
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(self.events_url, data=body, headers=headers) as resp,
        ):
            text = await resp.text()
            return Reply(resp.status, text, dict(resp.headers))

    async def _deliver(
        self,
        kind: Literal["slash_commands", "interactive", "events_api"],
        payload: dict[str, Any],
        signature: Signature,
    ) -> Reply:
        self.sent.append((kind, payload))
        if self.events_url is None:
            assert signature == "valid", "Socket Mode requests are not signed"
            ack = await self.fake.socket_send(kind, payload, wait=self.timeout)
            body = ack.get("payload")
            return Reply(200, "" if body is None else json.dumps(body), {})
        if kind == "slash_commands":
            body_bytes = urlencode({k: str(v) for k, v in payload.items()}).encode()
            return await self.post_raw(
                body_bytes, "application/x-www-form-urlencoded", signature=signature
            )
        if kind == "interactive":
            body_bytes = urlencode({"payload": json.dumps(payload)}).encode()
            return await self.post_raw(
                body_bytes, "application/x-www-form-urlencoded", signature=signature
            )
        return await self.post_raw(
            json.dumps(payload).encode(), "application/json", signature=signature
        )

    # ------------------------------------------------------------------ payload parts
    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.fake.users[user_id]
        return {"id": user.id, "username": user.name, "name": user.name, "team_id": user.team_id}

    def _team(self, team_id: str) -> dict[str, Any]:
        team = self.fake.teams[team_id]
        return {"id": team.id, "domain": team.domain}

    def _channel(self, channel_id: str) -> dict[str, Any]:
        channel = self.fake.channels.get(channel_id)
        if channel is None:
            return {"id": channel_id, "name": "unknown"}
        return {"id": channel.id, "name": "directmessage" if channel.is_im else channel.name}

    # ------------------------------------------------------------------ slash commands
    async def slash(
        self,
        user_id: str,
        text: str,
        *,
        channel_id: str,
        command: str = "/circle",
        signature: Signature = "valid",
    ) -> Reply:
        """A slash command typed by ``user_id`` in ``channel_id``."""
        user = self.fake.users[user_id]
        channel = self.fake.channels.get(channel_id)
        if channel is not None:
            assert channel.team_id == user.team_id, "a person types in their own workspace"
            if channel.is_private:
                assert user_id in channel.members, "only members can type in a private channel"
        team = self.fake.teams[user.team_id]
        payload = {
            "token": self.verification_token,
            "team_id": team.id,
            "team_domain": team.domain,
            "channel_id": channel_id,
            "channel_name": self._channel(channel_id)["name"],
            "user_id": user_id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": team.app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.new_response_url(user_id, channel_id),
            "trigger_id": self.fake.new_trigger_id(user_id),
        }
        return await self._deliver("slash_commands", payload, signature)

    # ------------------------------------------------------------------ block actions
    async def click(
        self,
        user_id: str,
        target: Message | Ephemeral | ResponsePost | View,
        action_id: str,
        *,
        value: str | None = None,
        signature: Signature = "valid",
    ) -> Reply:
        """Clicks the button ``action_id`` (or the one with ``value``) on what the app posted."""
        blocks: list[dict[str, Any]]
        if isinstance(target, ResponsePost):
            raw_blocks = target.body.get("blocks") or []
            blocks = raw_blocks if isinstance(raw_blocks, list) else []
        elif isinstance(target, View):
            blocks = target.blocks
        else:
            blocks = target.blocks or []
        candidates = [
            b
            for b in buttons_in(blocks)
            if b.get("action_id") == action_id and (value is None or b.get("value") == value)
        ]
        assert candidates, f"no button {action_id!r} (value={value!r}) on {type(target).__name__}"
        assert len(candidates) == 1, f"several buttons match {action_id!r}; give value="
        button = candidates[0]
        user = self.fake.users[user_id]
        team = self.fake.teams[user.team_id]
        action = {
            "type": "button",
            "action_id": action_id,
            "block_id": button.get("block_id") or secrets.token_hex(3),
            "text": button.get("text"),
            "value": button.get("value"),
            "action_ts": f"{time.time():.6f}",
        }
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": team.app_id,
            "token": self.verification_token,
            "trigger_id": self.fake.new_trigger_id(user_id),
            "team": self._team(team.id),
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": {}},
            "actions": [action],
        }
        if isinstance(target, View):
            assert target.user_id == user_id, "a view is seen only by the person it was shown to"
            payload["container"] = {"type": "view", "view_id": target.id}
            payload["view"] = target.as_api(team)
        elif isinstance(target, Message):
            channel = self.fake.channels[target.channel]
            if channel.is_private or channel.is_im:
                assert user_id in channel.members, "a non-member cannot see this message"
            payload["container"] = {
                "type": "message",
                "message_ts": target.ts,
                "channel_id": channel.id,
                "is_ephemeral": False,
            }
            payload["channel"] = self._channel(channel.id)
            payload["message"] = {**target.as_api(with_metadata=False), "bot_id": team.bot_id}
            payload["response_url"] = self.fake.new_response_url(user_id, channel.id)
        else:
            recipient = target.user_id if isinstance(target, ResponsePost) else target.user
            assert recipient == user_id, "an ephemeral message is seen only by its recipient"
            channel_id = target.channel_id if isinstance(target, ResponsePost) else target.channel
            payload["container"] = {
                "type": "message",
                "message_ts": f"{time.time():.6f}",
                "channel_id": channel_id,
                "is_ephemeral": True,
            }
            if channel_id is not None:
                payload["channel"] = self._channel(channel_id)
            payload["response_url"] = self.fake.new_response_url(user_id, channel_id)
        return await self._deliver("interactive", payload, signature)

    # ------------------------------------------------------------------ view submission
    async def submit(
        self,
        user_id: str,
        view: View,
        values: dict[str, Any],
        *,
        signature: Signature = "valid",
    ) -> Reply:
        """Submits a modal with ``values`` keyed by block_id (or action_id) of its inputs."""
        assert view.user_id == user_id, "only the person a modal was opened for can submit it"
        assert view.type == "modal" and not view.closed, "not an open modal"
        state, used = _state_values(view.blocks, values)
        unknown = set(values) - used
        assert not unknown, f"the modal has no inputs named {sorted(unknown)}"
        team = self.fake.teams[view.team_id]
        api_view = view.as_api(team)
        api_view["state"] = {"values": state}
        payload = {
            "type": "view_submission",
            "team": self._team(team.id),
            "user": self._user(user_id),
            "api_app_id": team.app_id,
            "token": self.verification_token,
            "trigger_id": self.fake.new_trigger_id(user_id),
            "view": api_view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        reply = await self._deliver("interactive", payload, signature)
        if reply.ok:
            _apply_view_response(self.fake, view, reply)
        return reply

    async def close(self, user_id: str, view: View) -> Reply:
        """The person dismisses a modal (a view_closed payload when notify_on_close is set)."""
        view.closed = True
        if not view.view.get("notify_on_close"):
            return Reply(200, "", {})
        team = self.fake.teams[view.team_id]
        payload = {
            "type": "view_closed",
            "team": self._team(team.id),
            "user": self._user(user_id),
            "api_app_id": team.app_id,
            "token": self.verification_token,
            "view": view.as_api(team),
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return await self._deliver("interactive", payload, "valid")

    # ------------------------------------------------------------------ shortcuts
    async def shortcut(
        self, user_id: str, callback_id: str, *, signature: Signature = "valid"
    ) -> Reply:
        """A global shortcut (the lightning menu) chosen by ``user_id``: no channel, a
        trigger_id to open a modal with."""
        user = self.fake.users[user_id]
        team = self.fake.teams[user.team_id]
        payload = {
            "type": "shortcut",
            "token": self.verification_token,
            "action_ts": f"{time.time():.6f}",
            "team": self._team(team.id),
            "user": self._user(user_id),
            "api_app_id": team.app_id,
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.fake.new_trigger_id(user_id),
        }
        return await self._deliver("interactive", payload, signature)

    # ------------------------------------------------------------------ events
    async def event(
        self, event: dict[str, Any], *, team_id: str | None = None, signature: Signature = "valid"
    ) -> Reply:
        team = self.fake.teams[team_id or self.fake.team.id]
        payload = {
            "token": self.verification_token,
            "team_id": team.id,
            "api_app_id": team.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team.id,
                    "user_id": team.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        return await self._deliver("events_api", payload, signature)

    async def app_home_opened(self, user_id: str, *, signature: Signature = "valid") -> Reply:
        user = self.fake.users[user_id]
        team = self.fake.teams[user.team_id]
        dm = self.fake.dm_channel(user_id)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": dm.id if dm else "D" + secrets.token_hex(4).upper(),
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        home = self.fake.home_view(user_id)
        if home is not None:
            event["view"] = home.as_api(team)
        return await self.event(event, team_id=team.id, signature=signature)

    async def url_verification(self, *, signature: Signature = "valid") -> Reply:
        challenge = secrets.token_hex(16)
        payload = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return await self.post_raw(
            json.dumps(payload).encode(), "application/json", signature=signature
        )


def _state_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element.get("type")
    out: dict[str, Any] = {"type": kind}
    if kind in {"plain_text_input", "number_input", "email_text_input", "url_text_input"}:
        out["value"] = None if value is None else str(value)
    elif kind in {"static_select", "radio_buttons", "external_select"}:
        out["selected_option"] = None if value is None else _option(element, value)
    elif kind in {"multi_static_select", "checkboxes", "multi_external_select"}:
        out["selected_options"] = [_option(element, v) for v in (value or [])]
    elif kind == "users_select":
        out["selected_user"] = value
    elif kind == "multi_users_select":
        out["selected_users"] = list(value or [])
    elif kind == "conversations_select":
        out["selected_conversation"] = value
    elif kind == "channels_select":
        out["selected_channel"] = value
    elif kind == "datepicker":
        out["selected_date"] = value
    elif kind == "timepicker":
        out["selected_time"] = value
    elif kind == "datetimepicker":
        out["selected_date_time"] = value
    else:
        raise AssertionError(f"the driver cannot fill a {kind!r} input")
    return out


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options", []))
    for option in options:
        if option.get("value") == value:
            return dict(option)
    if element.get("type", "").endswith("external_select"):
        return {"text": {"type": "plain_text", "text": value}, "value": value}
    raise AssertionError(f"no option {value!r} in {element.get('action_id')!r}")


def _state_values(
    blocks: list[dict[str, Any]], values: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], set[str]]:
    state: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for block in blocks:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        # Slack generates IDs the app did not set, so an app must set them to read the values.
        block_id = block.get("block_id") or secrets.token_hex(3)
        action_id = element.get("action_id") or secrets.token_hex(3)
        if block_id in values:
            key = block_id
        elif action_id in values:
            key = action_id
        else:
            key = None
        value = values[key] if key is not None else None
        if key is not None:
            used.add(key)
        elif "initial_value" in element:
            value = element["initial_value"]
        elif "initial_option" in element:
            value = element["initial_option"].get("value")
        state[block_id] = {action_id: _state_value(element, value)}
    return state, used


def _apply_view_response(fake: FakeSlack, view: View, reply: Reply) -> None:
    """What Slack does with the ack body of a view submission."""
    body = reply.json if reply.body else None
    if not isinstance(body, dict) or "response_action" not in body:
        view.closed = True
        for other in fake.views.values():
            if other.root_view_id == view.root_view_id and other.type == "modal":
                other.closed = True
        return
    action = body["response_action"]
    if action == "errors":
        errors = body.get("errors")
        assert isinstance(errors, dict) and errors, "errors must map block_id to a message"
        block_ids = {b.get("block_id") for b in view.blocks if b.get("type") == "input"}
        unknown = set(errors) - block_ids
        if unknown:
            fake.violations.append(
                f"view_submission errors for unknown block_ids {sorted(unknown)}"
            )
        return
    if action == "clear":
        for other in fake.views.values():
            if other.root_view_id == view.root_view_id:
                other.closed = True
        return
    if action in {"update", "push"}:
        problems = validate_view(body.get("view"), expect="modal")
        if problems:
            fake.violations.append(f"view_submission {action} with an invalid view: {problems}")
            return
        if action == "update":
            view.view = body["view"]
            view.hash = secrets.token_hex(8)
        else:
            pushed = View(
                "V" + secrets.token_hex(4).upper(),
                view.team_id,
                view.user_id,
                body["view"],
                secrets.token_hex(8),
                view.root_view_id,
                view.id,
            )
            fake.views[pushed.id] = pushed
        return
    fake.violations.append(f"view_submission: unknown response_action {action!r}")
