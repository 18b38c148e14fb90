"""A strict fake of the Slack Web API for tests, served over loopback HTTP.

``async with FakeSlack() as fake:`` starts an aiohttp server on 127.0.0.1 with a free port;
point slack_sdk at ``fake.base_url`` (``http://127.0.0.1:PORT/api/``). The fake keeps the state a
circle bot touches (teams, users, private channels and their members, messages with metadata,
ephemeral messages, DMs, pins, modals and App Home views, uploaded files, response_url posts,
Socket Mode connections) and answers with Slack's own error codes when a call would fail on real
Slack. Every call is recorded; calls that do not match Slack's OpenAPI description (when
``../shared/specs`` is present) are recorded in ``fake.violations``, which tests assert empty.

Failures are injected with ``fake.fail_next(method, status=429, retry_after=1)`` (or 500/503);
an injected failure changes nothing, unless ``after_effect=True``, which applies the call and then
answers with the error (a "lost response": the post happened but the sender did not learn it).

Several workspaces can be configured (``fake.add_team``); a token only sees its own team's data.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import itertools
import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.slack_blocks import validate_blocks, validate_metadata, validate_view
from tests.fakes.slack_spec import load_spec

# The scopes circlekeeper's manifest asks for; a team's bot token gets these unless a test says
# otherwise. Deliberately no channels/groups history: the bot never reads circle channels.
DEFAULT_BOT_SCOPES = frozenset(
    {
        "commands",
        "chat:write",
        "groups:write",
        "groups:read",
        "im:write",
        "im:read",
        "im:history",
        "pins:write",
        "files:write",
        "users:read",
    }
)

TRIGGER_TTL_SECONDS = 3.0  # Slack: a trigger_id expires three seconds after it is issued
RESPONSE_URL_MAX_USES = 5  # Slack: a response_url may be used five times within 30 minutes
MAX_TEXT = 40_000
_CHANNEL_NAME = re.compile(r"^[a-z0-9_\-]+$")


class SlackApiError(Exception):
    """An API error the fake answers with (HTTP 200, ok: false)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class Team:
    id: str
    name: str
    domain: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    app_id: str
    scopes: frozenset[str] = DEFAULT_BOT_SCOPES


@dataclass
class User:
    id: str
    team_id: str
    name: str
    real_name: str
    tz: str = "America/New_York"
    tz_offset: int = -18000
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    locale: str = "en-US"


@dataclass
class Channel:
    id: str
    team_id: str
    name: str
    is_private: bool
    is_im: bool = False
    im_user: str | None = None
    members: set[str] = field(default_factory=set)
    creator: str | None = None
    is_archived: bool = False
    created: int = 0
    topic: str = ""


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None
    edited: bool = False
    pinned: bool = False
    files: list[str] = field(default_factory=list)
    deleted: bool = False

    def as_api(self, *, with_metadata: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "user": self.user}
        if self.text is not None:
            out["text"] = self.text
        if self.blocks is not None:
            out["blocks"] = self.blocks
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
        if self.edited:
            out["edited"] = {"user": self.user, "ts": self.ts}
        if self.files:
            out["files"] = [{"id": f} for f in self.files]
        if with_metadata and self.metadata is not None:
            out["metadata"] = self.metadata
        return out

    def buttons(self) -> list[dict[str, Any]]:
        return buttons_in(self.blocks or [])


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str | None
    blocks: list[dict[str, Any]] | None
    ts: str


@dataclass
class View:
    id: str
    team_id: str
    user_id: str
    view: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    closed: bool = False

    @property
    def type(self) -> str:
        return str(self.view.get("type"))

    @property
    def callback_id(self) -> str:
        return str(self.view.get("callback_id", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.view.get("blocks", [])
        return blocks if isinstance(blocks, list) else []

    def buttons(self) -> list[dict[str, Any]]:
        return buttons_in(self.blocks)

    def as_api(self, team: Team) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": self.team_id,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.view.get("private_metadata", ""),
            "callback_id": self.view.get("callback_id", ""),
            "external_id": self.view.get("external_id", ""),
            "title": self.view.get("title"),
            "submit": self.view.get("submit"),
            "close": self.view.get("close"),
            "state": {"values": {}},
            "hash": self.hash,
            "clear_on_close": bool(self.view.get("clear_on_close", False)),
            "notify_on_close": bool(self.view.get("notify_on_close", False)),
            "root_view_id": self.root_view_id,
            "previous_view_id": self.previous_view_id,
            "app_id": team.app_id,
            "app_installed_team_id": team.id,
            "bot_id": team.bot_id,
        }


@dataclass
class UploadedFile:
    id: str
    team_id: str
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None
    title: str | None = None
    channels: list[str] = field(default_factory=list)
    completed: bool = False


@dataclass
class ResponseUrl:
    id: str
    team_id: str
    user_id: str
    channel_id: str | None
    uses: int = 0


@dataclass
class ResponsePost:
    """What an app POSTed to a response_url (Bolt's ``respond()``)."""

    response_url_id: str
    team_id: str
    user_id: str
    channel_id: str | None
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.body.get("text", ""))

    @property
    def ephemeral(self) -> bool:
        return self.body.get("response_type", "ephemeral") == "ephemeral"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    http_verb: str
    json_body: bool
    team_id: str | None = None
    status: int = 200
    ok: bool = True
    error: str | None = None
    injected: bool = False


@dataclass
class _Injected:
    status: int
    retry_after: int | None
    error: str | None
    after_effect: bool


@dataclass
class _Trigger:
    team_id: str
    user_id: str
    issued: float
    used: bool = False


@dataclass
class _SocketConnection:
    id: str
    ws: web.WebSocketResponse
    pending: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)


def buttons_in(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        elements: list[Any] = []
        if block.get("type") == "actions":
            elements = list(block.get("elements", []))
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            elements = [block["accessory"]]
        for element in elements:
            if isinstance(element, dict) and element.get("type") == "button":
                found.append({**element, "block_id": block.get("block_id")})
    return found


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return str(value).lower() in {"1", "true", "yes"}


def _as_json(value: Any, error: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise SlackApiError(error) from exc
    return value


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


class FakeSlack:
    """The fake Slack Web API (and response_url, file upload and Socket Mode endpoints)."""

    def __init__(
        self,
        *,
        team_id: str = "T0CIRCLE1",
        team_name: str = "Circle Test",
        bot_token: str = "xoxb-fake",
        bot_user_id: str = "UBOT0001",
        app_token: str = "xapp-1-test-circlekeeper",
        client_id: str = "1111.2222",
        client_secret: str = "fake-client-secret",
        scopes: frozenset[str] = DEFAULT_BOT_SCOPES,
        check_spec: bool = True,
        trigger_ttl: float = TRIGGER_TTL_SECONDS,
    ) -> None:
        self.app_token = app_token
        self.client_id = client_id
        self.client_secret = client_secret
        self.trigger_ttl = trigger_ttl
        self.spec = load_spec() if check_spec else None

        self.teams: dict[str, Team] = {}
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: list[Message] = []
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.home_views: dict[tuple[str, str], View] = {}
        self.files: dict[str, UploadedFile] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.responses: list[ResponsePost] = []
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.warnings: list[str] = []
        self.pending_oauth_codes: dict[str, tuple[str, str]] = {}

        self._counter = itertools.count(1)
        self._last_ts = 0.0
        self._failures: dict[str, list[_Injected]] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._tokens: dict[str, str] = {}
        self._sockets: dict[str, _SocketConnection] = {}
        self._socket_connected = asyncio.Event()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

        self.add_team(
            team_id, team_name, bot_token=bot_token, bot_user_id=bot_user_id, scopes=scopes
        )

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        app.router.add_get("/socket-mode/{cid}", self._handle_socket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        for conn in list(self._sockets.values()):
            with contextlib.suppress(Exception):
                await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        assert self._port is not None, "FakeSlack is not started"
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The Web API base URL for slack_sdk (ends with ``/``)."""
        return f"{self.root_url}/api/"

    # ------------------------------------------------------------------ configuration
    @property
    def team(self) -> Team:
        """The first (default) workspace."""
        return next(iter(self.teams.values()))

    @property
    def bot_token(self) -> str:
        return self.team.bot_token

    @property
    def bot_user_id(self) -> str:
        return self.team.bot_user_id

    def _id(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):08X}"

    def _ts(self) -> str:
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def add_team(
        self,
        team_id: str,
        name: str,
        *,
        bot_token: str | None = None,
        bot_user_id: str | None = None,
        scopes: frozenset[str] = DEFAULT_BOT_SCOPES,
    ) -> Team:
        team = Team(
            id=team_id,
            name=name,
            domain=re.sub(r"[^a-z0-9-]", "-", name.lower()),
            bot_token=bot_token or f"xoxb-{team_id}-{secrets.token_hex(8)}",
            bot_user_id=bot_user_id or self._id("UB"),
            bot_id=self._id("B"),
            app_id="A0CIRCLEKPR",
            scopes=scopes,
        )
        self.teams[team_id] = team
        self._tokens[team.bot_token] = team_id
        self.users[team.bot_user_id] = User(
            id=team.bot_user_id,
            team_id=team_id,
            name="circlekeeper",
            real_name="circlekeeper",
            is_bot=True,
        )
        return team

    def add_user(
        self,
        name: str,
        *,
        user_id: str | None = None,
        team_id: str | None = None,
        tz: str = "America/New_York",
        tz_offset: int = -18000,
        is_admin: bool = False,
        is_owner: bool = False,
        real_name: str | None = None,
    ) -> str:
        """Adds a person to a workspace and returns their user ID."""
        uid = user_id or self._id("U")
        self.users[uid] = User(
            id=uid,
            team_id=team_id or self.team.id,
            name=name,
            real_name=real_name or name.title(),
            tz=tz,
            tz_offset=tz_offset,
            is_admin=is_admin,
            is_owner=is_owner,
        )
        return uid

    def add_channel(
        self,
        name: str,
        *,
        members: list[str] | tuple[str, ...] = (),
        is_private: bool = False,
        bot_is_member: bool = False,
        team_id: str | None = None,
    ) -> str:
        """A channel the bot did not create (e.g. #general, where people type /circle)."""
        team = self.teams[team_id or self.team.id]
        cid = self._id("C")
        channel = Channel(
            cid, team.id, name, is_private, members=set(members), created=int(time.time())
        )
        if bot_is_member:
            channel.members.add(team.bot_user_id)
        self.channels[cid] = channel
        return cid

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        error: str | None = None,
        times: int = 1,
        after_effect: bool = False,
    ) -> None:
        """The next ``times`` calls of ``method`` fail with this HTTP status.

        429 answers ``{"ok": false, "error": "ratelimited"}`` with a Retry-After header; 5xx
        answers a server error. Nothing changes unless ``after_effect`` (the call is applied and
        the answer is lost).
        """
        default = "ratelimited" if status == 429 else "internal_error"
        for _ in range(times):
            self._failures.setdefault(method, []).append(
                _Injected(
                    status, retry_after if status == 429 else None, error or default, after_effect
                )
            )

    def hold(self, method: str) -> asyncio.Event:
        """Calls of ``method`` wait (before doing anything) until the returned event is set."""
        gate = asyncio.Event()
        self._holds[method] = gate
        return gate

    def new_trigger_id(self, user_id: str, team_id: str | None = None) -> str:
        trigger = f"{next(self._counter)}.{int(time.time())}.{secrets.token_hex(16)}"
        self._triggers[trigger] = _Trigger(
            team_id or self.users[user_id].team_id, user_id, time.monotonic()
        )
        return trigger

    def new_response_url(
        self, user_id: str, channel_id: str | None, team_id: str | None = None
    ) -> str:
        rid = secrets.token_hex(12)
        team = team_id or self.users[user_id].team_id
        self.response_urls[rid] = ResponseUrl(rid, team, user_id, channel_id)
        return f"{self.root_url}/response/{rid}"

    def issue_oauth_code(self, team_id: str, installer_user_id: str) -> str:
        """A code the OAuth redirect carries after a person approves the install."""
        code = secrets.token_hex(10)
        self.pending_oauth_codes[code] = (team_id, installer_user_id)
        return code

    # ------------------------------------------------------------------ queries for tests
    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def successful_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.ok and not c.injected]

    def channel_by_name(self, name: str, team_id: str | None = None) -> Channel:
        team = team_id or self.team.id
        for channel in self.channels.values():
            if channel.name == name and channel.team_id == team:
                return channel
        raise KeyError(name)

    def private_channels(self, team_id: str | None = None) -> list[Channel]:
        team = team_id or self.team.id
        return [
            c for c in self.channels.values() if c.team_id == team and c.is_private and not c.is_im
        ]

    def messages_in(self, channel_id: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel_id and not m.deleted]

    def dm_channel(self, user_id: str) -> Channel | None:
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user_id:
                return channel
        return None

    def dms_to(self, user_id: str) -> list[Message]:
        channel = self.dm_channel(user_id)
        return [] if channel is None else self.messages_in(channel.id)

    def ephemerals_for(self, user_id: str) -> list[Ephemeral]:
        return [e for e in self.ephemerals if e.user == user_id]

    def responses_for(self, user_id: str) -> list[ResponsePost]:
        return [r for r in self.responses if r.user_id == user_id]

    def open_modals(self, user_id: str) -> list[View]:
        return [
            v
            for v in self.views.values()
            if v.user_id == user_id and v.type == "modal" and not v.closed
        ]

    def home_view(self, user_id: str, team_id: str | None = None) -> View | None:
        return self.home_views.get((team_id or self.users[user_id].team_id, user_id))

    def pinned(self, channel_id: str) -> list[Message]:
        return [m for m in self.messages_in(channel_id) if m.pinned]

    async def wait_until(self, predicate: Callable[[], object], within: float = 5.0) -> None:
        """Waits (bounded) until ``predicate()`` holds; it is re-checked after every request."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ HTTP plumbing
    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], bool]:
        params: dict[str, Any] = dict(request.query)
        json_body = False
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise SlackApiError("invalid_json")
                params.update(body)
                json_body = True
            elif ctype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
                form = await request.post()
                for key, value in form.items():
                    params[key] = value if isinstance(value, str) else value.file.read()
            else:
                raw = await request.text()
                params.update(dict(parse_qsl(raw, keep_blank_values=True)))
        return params, json_body

    def _team_for(self, request: web.Request, params: dict[str, Any], json_body: bool) -> Team:
        header = request.headers.get("Authorization", "")
        token: str | None = None
        if header.startswith("Bearer "):
            token = header.removeprefix("Bearer ").strip()
        elif not json_body and isinstance(params.get("token"), str):
            token = params["token"]
        if not token:
            raise SlackApiError("not_authed")
        if token.startswith("xapp-"):
            raise SlackApiError("not_allowed_token_type")
        team_id = self._tokens.get(token)
        if team_id is None:
            raise SlackApiError("invalid_auth")
        return self.teams[team_id]

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        try:
            params, json_body = await self._read_params(request)
        except SlackApiError as exc:
            return web.json_response({"ok": False, "error": exc.error})
        gate = self._holds.get(method)
        if gate is not None:
            await asyncio.wait_for(gate.wait(), 30)
        recorded = {k: v for k, v in params.items() if k != "token"}
        call = Call(method, recorded, request.method, json_body)
        self.calls.append(call)
        if self.spec is not None:
            problems = self.spec.check(method, params, json_body=json_body)
            self.violations.extend(problems)
            if json_body and not self.spec.accepts_json(method):
                # Slack ignores a JSON body for methods that take form arguments only.
                params = dict(request.query)

        injected = self._pop_failure(method)
        if injected is not None and not injected.after_effect:
            return self._injected_response(call, injected)

        try:
            if method == "oauth.v2.access":
                result = self._oauth_v2_access(request, params)
            elif method == "apps.connections.open":
                result = self._apps_connections_open(request)
            else:
                handler = self._handlers().get(method)
                if handler is None:
                    raise SlackApiError("unknown_method")
                team = self._team_for(request, params, json_body)
                call.team_id = team.id
                result = await handler(team, params)
            body: dict[str, Any] = {"ok": True, **result}
        except SlackApiError as exc:
            call.ok = False
            call.error = exc.error
            body = {"ok": False, "error": exc.error, **exc.extra}
        await self._notify()
        if injected is not None:
            return self._injected_response(call, injected)
        return web.json_response(body)

    def _pop_failure(self, method: str) -> _Injected | None:
        queue = self._failures.get(method)
        if queue:
            return queue.pop(0)
        return None

    def _injected_response(self, call: Call, injected: _Injected) -> web.Response:
        call.status = injected.status
        call.ok = False
        call.error = injected.error
        call.injected = True
        headers = {}
        if injected.retry_after is not None:
            headers["Retry-After"] = str(injected.retry_after)
        return web.json_response(
            {"ok": False, "error": injected.error}, status=injected.status, headers=headers
        )

    def _handlers(
        self,
    ) -> dict[str, Callable[[Team, dict[str, Any]], Awaitable[dict[str, Any]]]]:
        return {
            "auth.test": self._auth_test,
            "team.info": self._team_info,
            "users.info": self._users_info,
            "conversations.create": self._conversations_create,
            "conversations.invite": self._conversations_invite,
            "conversations.kick": self._conversations_kick,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.archive": self._conversations_archive,
            "conversations.rename": self._conversations_rename,
            "conversations.setTopic": self._conversations_set_topic,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "pins.add": self._pins_add,
            "pins.remove": self._pins_remove,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # ------------------------------------------------------------------ shared checks
    @staticmethod
    def _require(params: dict[str, Any], *names: str) -> None:
        for name in names:
            value = params.get(name)
            if value is None or value == "":
                raise SlackApiError(
                    "invalid_arguments",
                    response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
                )

    @staticmethod
    def _scope(team: Team, needed: str) -> None:
        if needed not in team.scopes:
            raise SlackApiError(
                "missing_scope", needed=needed, provided=",".join(sorted(team.scopes))
            )

    def _user(self, team: Team, user_id: Any) -> User:
        user = self.users.get(str(user_id))
        if user is None or user.team_id != team.id:
            raise SlackApiError("user_not_found")
        return user

    def _channel(self, team: Team, channel_id: Any) -> Channel:
        """A channel the bot can see: public, or private/DM with the bot in it."""
        channel = self.channels.get(str(channel_id))
        if channel is None or channel.team_id != team.id:
            raise SlackApiError("channel_not_found")
        if (channel.is_private or channel.is_im) and team.bot_user_id not in channel.members:
            raise SlackApiError("channel_not_found")
        return channel

    def _resolve_post_channel(self, team: Team, channel_id: Any) -> Channel:
        """chat.postMessage also takes a user ID and then posts in the DM with that person."""
        cid = str(channel_id)
        if cid.startswith(("U", "W")) and cid in self.users:
            user = self._user(team, cid)
            return self._open_im(team, user)
        channel = self._channel(team, cid)
        if channel.is_archived:
            raise SlackApiError("is_archived")
        if team.bot_user_id not in channel.members:
            raise SlackApiError("not_in_channel")
        return channel

    def _open_im(self, team: Team, user: User) -> Channel:
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user.id and channel.team_id == team.id:
                return channel
        cid = self._id("D")
        channel = Channel(
            cid,
            team.id,
            "",
            is_private=True,
            is_im=True,
            im_user=user.id,
            members={user.id, team.bot_user_id},
            created=int(time.time()),
        )
        self.channels[cid] = channel
        return channel

    def _message(self, channel: Channel, ts: Any) -> Message:
        for message in self.messages:
            if message.channel == channel.id and message.ts == str(ts) and not message.deleted:
                return message
        raise SlackApiError("message_not_found")

    def _check_message_content(
        self, params: dict[str, Any], *, need_text: bool = True
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        text = params.get("text")
        blocks = params.get("blocks")
        if blocks is not None:
            blocks = _as_json(blocks, "invalid_blocks_format")
            problems = validate_blocks(blocks)
            if problems:
                raise SlackApiError(
                    "invalid_blocks",
                    errors=problems,
                    response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
                )
        if need_text and not text and not blocks and not params.get("attachments"):
            raise SlackApiError("no_text")
        if text is not None and len(str(text)) > MAX_TEXT:
            raise SlackApiError("msg_too_long")
        if blocks and not text:
            self.warnings.append("missing_text_or_fallback_or_attachments")
        return (None if text is None else str(text)), blocks

    # ------------------------------------------------------------------ methods
    async def _auth_test(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{team.domain}.slack.com/",
            "team": team.name,
            "user": "circlekeeper",
            "team_id": team.id,
            "user_id": team.bot_user_id,
            "bot_id": team.bot_id,
            "is_enterprise_install": False,
        }

    async def _team_info(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        return {"team": {"id": team.id, "name": team.name, "domain": team.domain}}

    async def _users_info(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "users:read")
        self._require(params, "user")
        user = self._user(team, params["user"])
        out: dict[str, Any] = {
            "id": user.id,
            "team_id": user.team_id,
            "name": user.name,
            "real_name": user.real_name,
            "deleted": False,
            "tz": user.tz,
            "tz_offset": user.tz_offset,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_bot": user.is_bot,
            "profile": {"display_name": user.name, "real_name": user.real_name},
        }
        if _as_bool(params.get("include_locale", False)):
            out["locale"] = user.locale
        return {"user": out}

    async def _conversations_create(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        is_private = _as_bool(params.get("is_private", False))
        self._scope(team, "groups:write" if is_private else "channels:manage")
        name = str(params.get("name", ""))
        if not name:
            raise SlackApiError("invalid_name_required")
        if len(name) > 80:
            raise SlackApiError("invalid_name_maxlength")
        if not _CHANNEL_NAME.match(name):
            raise SlackApiError("invalid_name_specials")
        for channel in self.channels.values():
            if channel.team_id == team.id and channel.name == name and not channel.is_im:
                raise SlackApiError("name_taken")
        cid = self._id("C")
        channel = Channel(
            cid,
            team.id,
            name,
            is_private,
            members={team.bot_user_id},
            creator=team.bot_user_id,
            created=int(time.time()),
        )
        self.channels[cid] = channel
        return {"channel": self._channel_api(team, channel)}

    def _channel_api(self, team: Team, channel: Channel) -> dict[str, Any]:
        if channel.is_im:
            return {
                "id": channel.id,
                "is_im": True,
                "user": channel.im_user,
                "created": channel.created,
                "is_open": True,
            }
        return {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not channel.is_private,
            "is_group": channel.is_private,
            "is_im": False,
            "is_private": channel.is_private,
            "is_archived": channel.is_archived,
            "is_member": team.bot_user_id in channel.members,
            "creator": channel.creator,
            "created": channel.created,
            "context_team_id": team.id,
        }

    def _manage_scope(self, team: Team, channel: Channel) -> None:
        self._scope(team, "groups:write" if channel.is_private else "channels:manage")

    async def _conversations_invite(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "users")
        channel = self._channel(team, params["channel"])
        self._manage_scope(team, channel)
        if channel.is_im:
            raise SlackApiError("method_not_supported_for_channel_type")
        if team.bot_user_id not in channel.members:
            raise SlackApiError("not_in_channel")
        user_ids = _as_list(params["users"])
        if len(user_ids) > 1000:
            raise SlackApiError("too_many_users")
        users = [self._user(team, uid) for uid in user_ids]
        if any(u.id == team.bot_user_id for u in users):
            raise SlackApiError("cant_invite_self")
        new = [u for u in users if u.id not in channel.members]
        if not new:
            raise SlackApiError("already_in_channel")
        channel.members.update(u.id for u in new)
        return {"channel": self._channel_api(team, channel)}

    async def _conversations_kick(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "user")
        channel = self._channel(team, params["channel"])
        self._manage_scope(team, channel)
        if channel.is_im:
            raise SlackApiError("method_not_supported_for_channel_type")
        user = self._user(team, params["user"])
        if user.id == team.bot_user_id:
            raise SlackApiError("cant_kick_self")
        if team.bot_user_id not in channel.members:
            raise SlackApiError("not_in_channel")
        if user.id not in channel.members:
            raise SlackApiError("not_in_channel")
        channel.members.discard(user.id)
        return {}

    def _read_scope(self, team: Team, channel: Channel, kind: str) -> None:
        if channel.is_im:
            self._scope(team, f"im:{kind}")
        elif channel.is_private:
            self._scope(team, f"groups:{kind}")
        else:
            self._scope(team, f"channels:{kind}")

    async def _conversations_members(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        channel = self._channel(team, params["channel"])
        self._read_scope(team, channel, "read")
        members = sorted(channel.members)
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        page = members[start : start + limit]
        following = start + limit
        cursor = str(following) if following < len(members) else ""
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    async def _conversations_info(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        channel = self._channel(team, params["channel"])
        self._read_scope(team, channel, "read")
        out = self._channel_api(team, channel)
        if _as_bool(params.get("include_num_members", False)):
            out["num_members"] = len(channel.members)
        return {"channel": out}

    async def _conversations_open(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "im:write")
        if params.get("channel"):
            channel = self._channel(team, params["channel"])
            return {"channel": {"id": channel.id}}
        self._require(params, "users")
        user_ids = _as_list(params["users"])
        if len(user_ids) != 1:
            raise SlackApiError("not_supported", detail="the fake opens one-person DMs only")
        user = self._user(team, user_ids[0])
        if user.id == team.bot_user_id:
            raise SlackApiError("cannot_dm_bot")
        existed = self.dm_channel(user.id) is not None
        channel = self._open_im(team, user)
        out: dict[str, Any] = {"channel": {"id": channel.id}}
        if _as_bool(params.get("return_im", False)):
            out["channel"] = self._channel_api(team, channel)
        if existed:
            out["already_open"] = True
            out["no_op"] = True
        return out

    async def _conversations_history(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        channel = self._channel(team, params["channel"])
        self._read_scope(team, channel, "history")
        with_metadata = _as_bool(params.get("include_all_metadata", False))
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or time.time() + 3600)
        inclusive = _as_bool(params.get("inclusive", False))
        limit = int(params.get("limit") or 100)

        def within(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        found = [
            m
            for m in reversed(self.messages_in(channel.id))
            if m.thread_ts is None or m.thread_ts == m.ts
            if within(float(m.ts))
        ]
        start = int(params.get("cursor") or 0)
        page = found[start : start + limit]
        has_more = start + limit < len(found)
        return {
            "messages": [m.as_api(with_metadata=with_metadata) for m in page],
            "has_more": has_more,
            "response_metadata": {"next_cursor": str(start + limit) if has_more else ""},
        }

    async def _conversations_archive(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        channel = self._channel(team, params["channel"])
        self._manage_scope(team, channel)
        if channel.is_archived:
            raise SlackApiError("already_archived")
        channel.is_archived = True
        return {}

    async def _conversations_rename(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "name")
        channel = self._channel(team, params["channel"])
        self._manage_scope(team, channel)
        name = str(params["name"])
        if not _CHANNEL_NAME.match(name) or len(name) > 80:
            raise SlackApiError("invalid_name_specials")
        if any(
            c.team_id == team.id and c.name == name and c.id != channel.id
            for c in self.channels.values()
        ):
            raise SlackApiError("name_taken")
        channel.name = name
        return {"channel": self._channel_api(team, channel)}

    async def _conversations_set_topic(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "topic")
        channel = self._channel(team, params["channel"])
        self._manage_scope(team, channel)
        if channel.is_im:
            raise SlackApiError("method_not_supported_for_channel_type")
        if len(str(params["topic"])) > 250:
            raise SlackApiError("too_long")
        channel.topic = str(params["topic"])
        return {"channel": self._channel_api(team, channel)}

    async def _chat_post_message(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "chat:write")
        self._require(params, "channel")
        channel = self._resolve_post_channel(team, params["channel"])
        text, blocks = self._check_message_content(params)
        metadata = None
        if params.get("metadata") is not None:
            metadata = _as_json(params["metadata"], "invalid_metadata_format")
            problem = validate_metadata(metadata)
            if problem:
                raise SlackApiError(problem)
        thread_ts = params.get("thread_ts")
        if thread_ts:
            self._message(channel, thread_ts)
        message = Message(
            channel.id,
            self._ts(),
            team.bot_user_id,
            text,
            blocks,
            metadata,
            thread_ts=str(thread_ts) if thread_ts else None,
        )
        self.messages.append(message)
        return {
            "channel": channel.id,
            "ts": message.ts,
            "message": {**message.as_api(with_metadata=True), "bot_id": team.bot_id},
        }

    async def _chat_post_ephemeral(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "chat:write")
        self._require(params, "channel", "user")
        channel = self._channel(team, params["channel"])
        user = self._user(team, params["user"])
        if user.id not in channel.members:
            raise SlackApiError("user_not_in_channel")
        if not channel.is_im and team.bot_user_id not in channel.members:
            raise SlackApiError("not_in_channel")
        text, blocks = self._check_message_content(params)
        ephemeral = Ephemeral(channel.id, user.id, text, blocks, self._ts())
        self.ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.ts}

    async def _chat_update(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "chat:write")
        self._require(params, "channel", "ts")
        channel = self._channel(team, params["channel"])
        message = self._message(channel, params["ts"])
        if message.user != team.bot_user_id:
            raise SlackApiError("cant_update_message")
        text, blocks = self._check_message_content(params, need_text=False)
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks
        if params.get("metadata") is not None:
            metadata = _as_json(params["metadata"], "invalid_metadata_format")
            problem = validate_metadata(metadata)
            if problem:
                raise SlackApiError(problem)
            message.metadata = metadata
        message.edited = True
        return {"channel": channel.id, "ts": message.ts, "text": message.text or ""}

    async def _chat_delete(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "chat:write")
        self._require(params, "channel", "ts")
        channel = self._channel(team, params["channel"])
        message = self._message(channel, params["ts"])
        if message.user != team.bot_user_id:
            raise SlackApiError("cant_delete_message")
        message.deleted = True
        return {"channel": channel.id, "ts": message.ts}

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

    async def _pins_remove(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "pins:write")
        self._require(params, "channel", "timestamp")
        channel = self._channel(team, params["channel"])
        message = self._message(channel, params["timestamp"])
        if not message.pinned:
            raise SlackApiError("no_pin")
        message.pinned = False
        return {}

    # -- views -----------------------------------------------------------------------
    def _take_trigger(self, team: Team, trigger_id: Any) -> _Trigger:
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None or trigger.team_id != team.id:
            raise SlackApiError("invalid_trigger_id")
        if trigger.used:
            raise SlackApiError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.trigger_ttl:
            raise SlackApiError("expired_trigger_id")
        trigger.used = True
        return trigger

    @staticmethod
    def _view_arg(params: dict[str, Any], expect: str | None) -> dict[str, Any]:
        view = _as_json(params.get("view"), "invalid_arguments")
        problems = validate_view(view, expect=expect)
        if problems:
            raise SlackApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
            )
        assert isinstance(view, dict)
        return view

    def _new_view(
        self, team: Team, user_id: str, view: dict[str, Any], root: str | None, previous: str | None
    ) -> View:
        external_id = view.get("external_id")
        if external_id:
            for existing in self.views.values():
                if existing.team_id == team.id and existing.view.get("external_id") == external_id:
                    raise SlackApiError("duplicate_external_id")
        vid = self._id("V")
        stored = View(vid, team.id, user_id, view, secrets.token_hex(8), root or vid, previous)
        self.views[vid] = stored
        return stored

    async def _views_open(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "trigger_id", "view")
        view = self._view_arg(params, "modal")
        trigger = self._take_trigger(team, params["trigger_id"])
        stored = self._new_view(team, trigger.user_id, view, None, None)
        return {"view": stored.as_api(team)}

    async def _views_push(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "trigger_id", "view")
        view = self._view_arg(params, "modal")
        trigger = self._take_trigger(team, params["trigger_id"])
        stack = self.open_modals(trigger.user_id)
        if not stack:
            raise SlackApiError("not_found")
        if len([v for v in stack if v.root_view_id == stack[-1].root_view_id]) >= 3:
            raise SlackApiError("push_limit_reached")
        top = stack[-1]
        stored = self._new_view(team, trigger.user_id, view, top.root_view_id, top.id)
        return {"view": stored.as_api(team)}

    async def _views_update(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "view")
        target: View | None = None
        if params.get("view_id"):
            target = self.views.get(str(params["view_id"]))
        elif params.get("external_id"):
            target = next(
                (
                    v
                    for v in self.views.values()
                    if v.team_id == team.id and v.view.get("external_id") == params["external_id"]
                ),
                None,
            )
        else:
            raise SlackApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] view_id or external_id is required"]},
            )
        if target is None or target.team_id != team.id:
            raise SlackApiError("not_found")
        view = self._view_arg(params, target.type)
        if params.get("hash") and params["hash"] != target.hash:
            raise SlackApiError("hash_conflict")
        target.view = view
        target.hash = secrets.token_hex(8)
        return {"view": target.as_api(team)}

    async def _views_publish(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "user_id", "view")
        user = self._user(team, params["user_id"])
        view = self._view_arg(params, "home")
        key = (team.id, user.id)
        existing = self.home_views.get(key)
        if existing is not None and params.get("hash") and params["hash"] != existing.hash:
            raise SlackApiError("hash_conflict")
        if existing is None:
            existing = View(self._id("V"), team.id, user.id, view, secrets.token_hex(8), "")
            existing.root_view_id = existing.id
            self.home_views[key] = existing
            self.views[existing.id] = existing
        else:
            existing.view = view
            existing.hash = secrets.token_hex(8)
        return {"view": existing.as_api(team)}

    # -- files -----------------------------------------------------------------------
    async def _files_get_upload_url(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "files:write")
        self._require(params, "filename", "length")
        try:
            length = int(params["length"])
        except (TypeError, ValueError) as exc:
            raise SlackApiError("invalid_arguments") from exc
        if length <= 0:
            raise SlackApiError("invalid_arguments")
        fid = self._id("F")
        self.files[fid] = UploadedFile(
            fid,
            team.id,
            str(params["filename"]),
            length,
            None if params.get("alt_txt") is None else str(params["alt_txt"]),
        )
        return {"upload_url": f"{self.root_url}/upload/v1/{fid}", "file_id": fid}

    async def _files_complete_upload(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "files:write")
        self._require(params, "files")
        entries = _as_json(params["files"], "invalid_arguments")
        if not isinstance(entries, list) or not entries:
            raise SlackApiError("invalid_arguments")
        channel: Channel | None = None
        targets = []
        if params.get("channel_id"):
            targets.append(params["channel_id"])
        if params.get("channels"):
            targets.extend(_as_list(params["channels"]))
        if len(targets) > 1:
            raise SlackApiError("invalid_arguments", detail="one channel only in the fake")
        if targets:
            channel = self._resolve_post_channel(team, targets[0])
        uploaded: list[UploadedFile] = []
        for entry in entries:
            if not isinstance(entry, dict) or "id" not in entry:
                raise SlackApiError("invalid_arguments")
            upload = self.files.get(str(entry["id"]))
            if upload is None or upload.team_id != team.id:
                raise SlackApiError("file_not_found")
            if upload.content is None:
                raise SlackApiError("file_upload_not_completed")
            if len(upload.content) != upload.length:
                raise SlackApiError("file_upload_size_mismatch")
            uploaded.append(upload)
        for upload, entry in zip(uploaded, entries, strict=True):
            upload.title = str(entry.get("title") or upload.filename)
            upload.completed = True
            if channel is not None:
                upload.channels.append(channel.id)
        if channel is not None:
            comment = params.get("initial_comment")
            self.messages.append(
                Message(
                    channel.id,
                    self._ts(),
                    team.bot_user_id,
                    None if comment is None else str(comment),
                    None,
                    files=[u.id for u in uploaded],
                )
            )
        return {
            "files": [
                {
                    "id": u.id,
                    "name": u.filename,
                    "title": u.title,
                    "size": u.length,
                    "channels": [c for c in u.channels if not c.startswith("D")],
                    "ims": [c for c in u.channels if c.startswith("D")],
                }
                for u in uploaded
            ]
        }

    async def _handle_upload(self, request: web.Request) -> web.Response:
        upload = self.files.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="file not found", content_type="text/plain")
        data = await request.read()
        if request.content_type == "multipart/form-data":
            # slack_sdk posts raw bytes; a multipart body would be stored as-is by real Slack too.
            pass
        upload.content = data
        self.calls.append(Call("upload", {"file_id": upload.id, "bytes": len(data)}, "POST", False))
        await self._notify()
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    # -- response_url ----------------------------------------------------------------
    async def _handle_response_url(self, request: web.Request) -> web.Response:
        target = self.response_urls.get(request.match_info["rid"])
        if target is None:
            return web.Response(status=404, text="no_such_url", content_type="text/plain")
        if target.uses >= RESPONSE_URL_MAX_USES:
            return web.Response(status=404, text="used_url", content_type="text/plain")
        try:
            body = await request.json()
        except (json.JSONDecodeError, ValueError):
            return web.Response(status=400, text="invalid_payload", content_type="text/plain")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload", content_type="text/plain")
        blocks = body.get("blocks")
        if blocks is not None:
            problems = validate_blocks(blocks)
            if problems:
                self.violations.append(f"response_url: invalid_blocks {problems}")
                return web.Response(status=400, text="invalid_blocks", content_type="text/plain")
        if body.get("response_type") not in {None, "ephemeral", "in_channel"}:
            self.violations.append(f"response_url: bad response_type {body.get('response_type')!r}")
        target.uses += 1
        self.responses.append(
            ResponsePost(target.id, target.team_id, target.user_id, target.channel_id, body)
        )
        await self._notify()
        return web.Response(text="ok", content_type="text/plain")

    # -- OAuth -----------------------------------------------------------------------
    def _oauth_v2_access(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        client_id = params.get("client_id")
        client_secret = params.get("client_secret")
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                raw = base64.b64decode(header.removeprefix("Basic ")).decode()
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise SlackApiError("invalid_client_id") from exc
            client_id, _, client_secret = raw.partition(":")
        if client_id != self.client_id:
            raise SlackApiError("invalid_client_id")
        if client_secret != self.client_secret:
            raise SlackApiError("bad_client_secret")
        code = str(params.get("code", ""))
        pending = self.pending_oauth_codes.pop(code, None)
        if pending is None:
            raise SlackApiError("invalid_code")
        team_id, installer = pending
        team = self.teams[team_id]
        return {
            "app_id": team.app_id,
            "authed_user": {"id": installer},
            "scope": ",".join(sorted(team.scopes)),
            "token_type": "bot",
            "access_token": team.bot_token,
            "bot_user_id": team.bot_user_id,
            "team": {"id": team.id, "name": team.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    # -- Socket Mode -----------------------------------------------------------------
    def _apps_connections_open(self, request: web.Request) -> dict[str, Any]:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        if not token:
            raise SlackApiError("not_authed")
        if not token.startswith("xapp-"):
            raise SlackApiError("not_allowed_token_type")
        if token != self.app_token:
            raise SlackApiError("invalid_auth")
        cid = secrets.token_hex(8)
        return {"url": f"ws://127.0.0.1:{self.port}/socket-mode/{cid}"}

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = _SocketConnection(request.match_info["cid"], ws)
        self._sockets[conn.id] = conn
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": self.team.app_id},
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
            }
        )
        self._socket_connected.set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except json.JSONDecodeError:
                    self.violations.append("socket mode: a non-JSON frame")
                    continue
                envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
                future = conn.pending.pop(str(envelope_id), None)
                if future is None:
                    self.violations.append(f"socket mode: ack for unknown envelope {envelope_id}")
                elif not future.done():
                    future.set_result(data)
        finally:
            self._sockets.pop(conn.id, None)
            if not self._sockets:
                self._socket_connected.clear()
        return ws

    async def wait_socket_connected(self, wait: float = 10.0) -> None:
        await asyncio.wait_for(self._socket_connected.wait(), wait)

    async def socket_send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = True,
        wait: float = 10.0,
    ) -> dict[str, Any]:
        """Delivers one envelope over Socket Mode and returns the app's acknowledgement."""
        await self.wait_socket_connected(wait)
        conn = next(iter(self._sockets.values()))
        envelope_id = secrets.token_hex(12)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        conn.pending[envelope_id] = future
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await conn.ws.send_json(envelope)
        return await asyncio.wait_for(future, wait)
