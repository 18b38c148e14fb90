"""A strict fake of Discord's HTTP API and gateway, for tests with the real discord.py.

``async with FakeDiscord() as fake:`` serves, on 127.0.0.1 and a free port,

* REST under ``fake.api_base`` (``http://127.0.0.1:PORT/api/v10``) and
* the gateway websocket at ``fake.gateway_url`` (v10 JSON, optional ``zlib-stream``),

holding one guild with roles, members, channels (text, categories, DMs), permission
overwrites, messages (nonce + ``enforce_nonce``), pins, attachments, application
commands and interactions.

It is strict in the ways real Discord is, and stricter where that helps tests:

* every request is recorded (``fake.requests``);
* routes, methods, query names and JSON body keys are checked against Discord's OpenAPI
  description when ``../shared/specs/discord-openapi.json`` exists; anything unknown gets a
  Discord-shaped 4xx *and* a line in ``fake.violations`` (tests assert it stays empty);
* ``Authorization: Bot <token>`` is required where Discord requires it (401 otherwise);
* the bot's own permissions are enforced (50001/50013), DMs can be closed (50007),
  interactions must be answered within 3 s (10062) and only once (40060), commands,
  messages, components and modals are validated like Discord does (50035);
* rate limits: real ``X-RateLimit-*`` headers, a 5 per 5 s bucket per channel for
  messages and a 50/s global limit; natural 429s are listed in ``fake.rate_limit_hits``;
  ``fake.fail_next(...)`` injects 429/403/404/... answers.

Tests drive users through ``fake.slash(...)``, ``fake.press_button(...)``,
``fake.submit_modal(...)`` and ``fake.autocomplete(...)`` which dispatch INTERACTION_CREATE
to the connected bot and return a :class:`FakeInteraction` to await.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import math
import re
import secrets
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_spec import DiscordSpec, RouteTable, load_spec

log = logging.getLogger("fake_discord")

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000


# --------------------------------------------------------------------------------------
# Permissions, intents, error codes
# --------------------------------------------------------------------------------------
class P:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    USE_APPLICATION_COMMANDS = 1 << 31
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    PIN_MESSAGES = 1 << 51

    ALL = (1 << 53) - 1


DEFAULT_EVERYONE_PERMISSIONS = (
    P.CREATE_INSTANT_INVITE
    | P.ADD_REACTIONS
    | P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.MENTION_EVERYONE
    | P.USE_EXTERNAL_EMOJIS
    | P.CONNECT
    | P.SPEAK
    | P.CHANGE_NICKNAME
    | P.USE_APPLICATION_COMMANDS
    | P.CREATE_PUBLIC_THREADS
    | P.SEND_MESSAGES_IN_THREADS
)

DEFAULT_BOT_PERMISSIONS = (
    P.VIEW_CHANNEL
    | P.SEND_MESSAGES
    | P.EMBED_LINKS
    | P.ATTACH_FILES
    | P.READ_MESSAGE_HISTORY
    | P.MANAGE_CHANNELS
    | P.MANAGE_ROLES
    | P.MANAGE_MESSAGES
    | P.PIN_MESSAGES
)

# permissions that vanish when SEND_MESSAGES is denied in a text channel
_SEND_DEPENDENT = P.MENTION_EVERYONE | P.SEND_TTS_MESSAGES | P.ATTACH_FILES | P.EMBED_LINKS


class Intents:
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_MODERATION = 1 << 2
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15

    PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
    ALL = (1 << 26) - 1


# application flags that say a privileged intent is enabled for the app
_APP_FLAG_FOR_INTENT = {
    Intents.GUILD_PRESENCES: 1 << 13,
    Intents.GUILD_MEMBERS: 1 << 15,
    Intents.MESSAGE_CONTENT: 1 << 19,
}

ERROR_MESSAGES = {
    0: "General error",
    10003: "Unknown Channel",
    10004: "Unknown Guild",
    10007: "Unknown Member",
    10008: "Unknown Message",
    10009: "Unknown Overwrite",
    10011: "Unknown Role",
    10013: "Unknown User",
    10015: "Unknown Webhook",
    10062: "Unknown interaction",
    10063: "Unknown application command",
    40060: "Interaction has already been acknowledged",
    50001: "Missing Access",
    50005: "Cannot edit a message authored by another user",
    50006: "Cannot send an empty message",
    50007: "Cannot send messages to this user",
    50013: "Missing Permissions",
    50035: "Invalid Form Body",
    30003: "Maximum number of pins reached (50)",
}

CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_VOICE = 2
CHANNEL_CATEGORY = 4

INTERACTION_PING = 1
INTERACTION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_AUTOCOMPLETE = 4
INTERACTION_MODAL_SUBMIT = 5

EPHEMERAL = 1 << 6
LOADING = 1 << 7

OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_BOOLEAN = 5
OPT_USER = 6
OPT_CHANNEL = 7
OPT_ROLE = 8
OPT_MENTIONABLE = 9
OPT_NUMBER = 10
OPT_ATTACHMENT = 11

_NAME_RE = re.compile(r"^[-_'\w]{1,32}$", re.UNICODE)


class DiscordHTTPError(Exception):
    """Raised inside handlers; becomes a Discord-shaped error response."""

    def __init__(
        self,
        status: int,
        code: int = 0,
        message: str | None = None,
        errors: dict[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message or ERROR_MESSAGES.get(code, f"{status}")
        self.errors = errors
        super().__init__(f"{status} {code} {self.message}")

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


class FakeRefused(AssertionError):
    """A test asked the fake to do something Discord would not let a user do."""


def _form_error(
    path: list[str | int], message: str, code: str = "BASE_TYPE_INVALID"
) -> DiscordHTTPError:
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path):
        errors = {str(part): errors}
    return DiscordHTTPError(400, 50035, "Invalid Form Body", errors)


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------
@dataclass
class RecordedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    method: str
    path: str
    route: str | None
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: list[RecordedFile] = field(default_factory=list)
    status: int = 0
    at: float = 0.0

    @property
    def body(self) -> Any:
        """The JSON body, or the parsed ``payload_json`` of a multipart request."""
        return self.json

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


@dataclass
class FailRule:
    target: str
    method: str | None
    status: int
    code: int | None
    message: str | None
    retry_after: float
    global_: bool
    remaining: int
    hits: list[RecordedRequest] = field(default_factory=list)

    def matches(self, method: str, path: str, template: str | None) -> bool:
        if self.remaining <= 0:
            return False
        if self.method and self.method != method:
            return False
        target = self.target
        if target.startswith(API_PREFIX):
            target = target[len(API_PREFIX) :]
        if "{" in target:
            return template == target
        return path.rstrip("/") == target.rstrip("/")


@dataclass
class _Bucket:
    limit: int
    window: float
    count: int = 0
    reset_at: float = 0.0


# --------------------------------------------------------------------------------------
# Interactions
# --------------------------------------------------------------------------------------
class FakeInteraction:
    """One interaction sent to the bot, and everything the bot answered to it."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any], user_id: str) -> None:
        self.fake = fake
        self.payload = payload
        self.id: str = payload["id"]
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.user_id = user_id
        self.channel_id: str | None = payload.get("channel_id")
        self.created = time.monotonic()
        self.callbacks: list[dict[str, Any]] = []
        self.original: dict[str, Any] | None = None
        self.followups: list[dict[str, Any]] = []
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.component_message: dict[str, Any] | None = payload.get("message")
        self.late = False

    def __repr__(self) -> str:
        return f"<FakeInteraction {self.id} type={self.type} callbacks={self.response_types}>"

    @property
    def response_types(self) -> list[int]:
        return [c["type"] for c in self.callbacks]

    @property
    def response_type(self) -> int | None:
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def deferred(self) -> bool:
        return self.response_type in (5, 6)

    @property
    def ephemeral(self) -> bool:
        msg = self.original
        if msg is not None:
            return bool(msg.get("flags", 0) & EPHEMERAL)
        return bool(self.followups and self.followups[0].get("flags", 0) & EPHEMERAL)

    @property
    def messages(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.original is not None and not self.original.get("flags", 0) & LOADING:
            out.append(self.original)
        out.extend(self.followups)
        return out

    @property
    def done(self) -> bool:
        """The person has seen a result: a message, an update, a modal or choices."""
        t = self.response_type
        if t is None:
            return False
        if t in (4, 7, 8, 9):
            return True
        if t == 5:
            return bool(self.messages)
        if t == 6:
            return bool(self.followups) or self._component_edited
        return False

    _component_edited = False

    def texts(self) -> list[str]:
        """Everything the person can read in the answers: contents and embed text."""
        out: list[str] = []
        msgs = list(self.messages)
        if self.response_type in (6, 7) and self.component_message is not None:
            msgs.insert(0, self.component_message)
        for m in msgs:
            out.extend(message_texts(m))
        if self.modal is not None:
            out.append(str(self.modal.get("title", "")))
        return [t for t in out if t]

    def text(self) -> str:
        return "\n".join(self.texts())

    async def wait_response(self, timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109
        """The first callback (type and data)."""
        await self.fake.wait_for(lambda: bool(self.callbacks), timeout, f"a response to {self!r}")
        return self.callbacks[0]

    async def wait_done(self, timeout: float = 10.0) -> FakeInteraction:  # noqa: ASYNC109
        """Until the person has seen something (deferred answers are followed up)."""
        await self.fake.wait_for(lambda: self.done, timeout, f"a visible answer to {self!r}")
        return self


def message_texts(message: dict[str, Any]) -> list[str]:
    out = [str(message.get("content") or "")]
    for e in message.get("embeds") or []:
        for key in ("title", "description"):
            if e.get(key):
                out.append(str(e[key]))
        for f in e.get("fields") or []:
            out.append(f"{f.get('name', '')}\n{f.get('value', '')}")
        if (e.get("footer") or {}).get("text"):
            out.append(str(e["footer"]["text"]))
    for row in message.get("components") or []:
        for c in _walk_components([row]):
            if c.get("type") == 10 and c.get("content"):
                out.append(str(c["content"]))
    return [t for t in out if t]


def _walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for c in components or []:
        yield c
        if isinstance(c.get("components"), list):
            yield from _walk_components(c["components"])
        if isinstance(c.get("component"), dict):
            yield from _walk_components([c["component"]])
        if isinstance(c.get("accessory"), dict):
            yield from _walk_components([c["accessory"]])


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in _walk_components(message.get("components") or []) if c.get("type") == 2]


# --------------------------------------------------------------------------------------
# Gateway sessions
# --------------------------------------------------------------------------------------
class GatewaySession:
    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._lock = asyncio.Lock()
        self.session_id = secrets.token_hex(16)
        self.seq = 0
        self.identify: dict[str, Any] | None = None
        self.intents = 0
        self.shard: tuple[int, int] = (0, 1)
        self.ready = False
        self.heartbeats = 0
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.resumed = False

    @property
    def open(self) -> bool:
        return not self.ws.closed

    def owns_guild(self, guild_id: str) -> bool:
        shard_id, count = self.shard
        return (int(guild_id) >> 22) % count == shard_id

    async def send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return
            self.sent.append(payload)
            if self._zlib is not None:
                blob = self._zlib.compress(data.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(blob)
            else:
                await self.ws.send_str(data)

    async def dispatch(self, event: str, data: Any) -> None:
        self.seq += 1
        await self.send({"op": 0, "t": event, "s": self.seq, "d": data})


_EVENT_INTENT = {
    "GUILD_CREATE": Intents.GUILDS,
    "GUILD_UPDATE": Intents.GUILDS,
    "GUILD_DELETE": Intents.GUILDS,
    "GUILD_ROLE_CREATE": Intents.GUILDS,
    "GUILD_ROLE_UPDATE": Intents.GUILDS,
    "GUILD_ROLE_DELETE": Intents.GUILDS,
    "CHANNEL_CREATE": Intents.GUILDS,
    "CHANNEL_UPDATE": Intents.GUILDS,
    "CHANNEL_DELETE": Intents.GUILDS,
    "CHANNEL_PINS_UPDATE": Intents.GUILDS,
    "GUILD_MEMBER_ADD": Intents.GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": Intents.GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": Intents.GUILD_MEMBERS,
    "MESSAGE_CREATE": Intents.GUILD_MESSAGES,
    "MESSAGE_UPDATE": Intents.GUILD_MESSAGES,
    "MESSAGE_DELETE": Intents.GUILD_MESSAGES,
}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


# --------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------
class FakeDiscord:
    def __init__(
        self,
        *,
        token: str = "fake-bot-token.circlekeeper.tests",
        bot_name: str = "circlekeeper",
        guild_name: str = "Healing Circles",
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        privileged_intents: int = 0,
        heartbeat_interval: float = 41.25,
        interaction_deadline: float = 3.0,
        enforce_rate_limits: bool = True,
        check_spec: bool = True,
    ) -> None:
        self.token = token
        self.spec: DiscordSpec | None = load_spec() if check_spec else None
        self.heartbeat_interval = heartbeat_interval
        self.interaction_deadline = interaction_deadline
        self.enforce_rate_limits = enforce_rate_limits
        self.privileged_intents = privileged_intents

        self._ids = itertools.count(1)
        self.application_id = self.snowflake()
        self.users: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.pins: dict[str, list[str]] = {}
        self.nonces: dict[tuple[str, str, str], str] = {}
        self.attachments: dict[str, bytes] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self._command_ids: dict[tuple[str | None, int, str], str] = {}
        self.interactions: dict[str, FakeInteraction] = {}
        self.closed_dms: set[str] = set()

        self.requests: list[RecordedRequest] = []
        self.violations: list[str] = []
        self.rate_limit_hits: list[RecordedRequest] = []
        self._fail_rules: list[FailRule] = []
        self._buckets: dict[str, _Bucket] = {}
        self._global_window: list[float] = []

        self.sessions: list[GatewaySession] = []
        self.identifies: list[dict[str, Any]] = []
        self._ended_sessions: dict[str, GatewaySession] = {}

        self._cond: asyncio.Condition | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0

        # the guild
        self.guild_id = self.snowflake()
        self.owner_id = self.add_user("owner")
        self.guild: dict[str, Any] = {
            "id": self.guild_id,
            "name": guild_name,
            "owner_id": self.owner_id,
            "preferred_locale": "en-US",
        }
        self.roles[self.guild_id] = self._role_obj(
            self.guild_id, "@everyone", everyone_permissions, 0
        )
        self._add_member_obj(self.owner_id)
        self.bot_user_id = self.add_user(bot_name, bot=True)
        self.bot_role_id = self.add_role(bot_name, bot_permissions, managed=True)
        self._add_member_obj(self.bot_user_id, [self.bot_role_id])
        self.general_channel_id = self.add_channel("general")

    # ----------------------------------------------------------------------------------
    # lifecycle
    # ----------------------------------------------------------------------------------
    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._cond = asyncio.Condition()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self._gateway_handler)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._attachment_handler)
        app.router.add_route("*", "/api/{tail:.*}", self._rest_handler)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None)
        assert sockets
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for s in list(self.sessions):
            with contextlib.suppress(Exception):
                await s.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    # ----------------------------------------------------------------------------------
    # waiting
    # ----------------------------------------------------------------------------------
    async def _notify(self) -> None:
        if self._cond is None:
            return
        async with self._cond:
            self._cond.notify_all()

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - bounded waits are the point
        what: str = "a condition",
    ) -> None:
        """Wait (bounded) until ``predicate()`` holds; re-checked after every request the
        fake serves and at least every 20 ms (for state that lives in the bot)."""
        assert self._cond is not None, "FakeDiscord is not started"
        deadline = time.monotonic() + min(timeout, 30.0)
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                async with self._cond:
                    await asyncio.wait_for(self._cond.wait(), min(left, 0.02))

    async def wait_for_request(
        self,
        method: str,
        route: str,
        timeout: float = 10.0,  # noqa: ASYNC109
        after: int = 0,
    ) -> RecordedRequest:
        """The first recorded request (index >= ``after``) with this method and route template."""

        def find() -> RecordedRequest | None:
            for r in self.requests[after:]:
                if r.method == method and r.route == route and r.status:
                    return r
            return None

        await self.wait_for(lambda: find() is not None, timeout, f"{method} {route}")
        found = find()
        assert found is not None
        return found

    # ----------------------------------------------------------------------------------
    # state set-up helpers for tests
    # ----------------------------------------------------------------------------------
    def snowflake(self) -> str:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (1 << 17) | (next(self._ids) & 0x1FFFF))

    def add_user(self, name: str, *, bot: bool = False) -> str:
        uid = self.snowflake()
        self.users[uid] = {
            "id": uid,
            "username": name,
            "discriminator": "0",
            "global_name": None if bot else name.title(),
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
            "flags": 0,
        }
        return uid

    def add_member(
        self, name: str, *, roles: list[str] | tuple[str, ...] = (), bot: bool = False
    ) -> str:
        """A new user who is a member of the guild; returns the user id."""
        uid = self.add_user(name, bot=bot)
        member = self._add_member_obj(uid, list(roles))
        self._fire_guild("GUILD_MEMBER_ADD", {**member, "guild_id": self.guild_id})
        return uid

    def add_role(self, name: str, permissions: int = 0, *, managed: bool = False) -> str:
        rid = self.snowflake()
        self.roles[rid] = self._role_obj(rid, name, permissions, len(self.roles), managed=managed)
        self._fire_guild("GUILD_ROLE_CREATE", {"guild_id": self.guild_id, "role": self.roles[rid]})
        return rid

    def give_role(self, user_id: str, role_id: str) -> None:
        self.members[user_id]["roles"].append(role_id)
        self._fire_guild(
            "GUILD_MEMBER_UPDATE", {**self.members[user_id], "guild_id": self.guild_id}
        )

    def set_role_permissions(self, role_id: str, permissions: int) -> None:
        self.roles[role_id]["permissions"] = str(permissions)
        self._fire_guild(
            "GUILD_ROLE_UPDATE", {"guild_id": self.guild_id, "role": self.roles[role_id]}
        )

    def set_bot_permissions(self, permissions: int) -> None:
        self.set_role_permissions(self.bot_role_id, permissions)

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

    def close_dms(self, user_id: str) -> None:
        """The user has turned off DMs from server members: sends fail with 50007."""
        self.closed_dms.add(user_id)

    def fail_next(
        self,
        target: str,
        status: int = 429,
        *,
        retry_after: float = 0.3,
        global_: bool = False,
        code: int | None = None,
        message: str | None = None,
        times: int = 1,
    ) -> FailRule:
        """Answer the next ``times`` matching requests with an error.

        ``target`` is a route template (``/channels/{channel_id}/messages``) or a concrete
        path, optionally prefixed with a method: ``"POST /channels/{channel_id}/messages"``.
        """
        method: str | None = None
        if " " in target:
            method, target = target.split(" ", 1)
            method = method.upper()
        rule = FailRule(target, method, status, code, message, retry_after, global_, times)
        self._fail_rules.append(rule)
        return rule

    # ----------------------------------------------------------------------------------
    # queries for tests
    # ----------------------------------------------------------------------------------
    def channel_by_name(self, name: str) -> dict[str, Any] | None:
        for c in self.channels.values():
            if c.get("name") == name and c["type"] != CHANNEL_DM:
                return c
        return None

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

    def pinned(self, channel_id: str) -> list[dict[str, Any]]:
        return [
            self.messages[channel_id][m]
            for m in self.pins.get(channel_id, [])
            if m in self.messages[channel_id]
        ]

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        return self.attachments[str(attachment["id"])]

    def overwrite(self, channel_id: str, target_id: str) -> dict[str, Any] | None:
        for ow in self.channels[channel_id].get("permission_overwrites", []):
            if ow["id"] == target_id:
                return dict(ow)
        return None

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

    def assert_clean(self) -> None:
        """No request broke the API contract (spec, auth, validation)."""
        assert not self.violations, "Discord API violations:\n" + "\n".join(self.violations)

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.route == route]

    def user_posts(self, channel_id: str, user_id: str, content: str) -> dict[str, Any]:
        """A person writes in a channel (refused unless Discord would let them)."""
        if not self.can_send(channel_id, user_id):
            raise FakeRefused(f"user {user_id} may not send in channel {channel_id}")
        msg = self._new_message(channel_id, self.users[user_id], {"content": content}, [])
        self._store_message(channel_id, msg)
        return msg

    # ----------------------------------------------------------------------------------
    # object builders
    # ----------------------------------------------------------------------------------
    def _role_obj(
        self, rid: str, name: str, permissions: int, position: int, *, managed: bool = False
    ) -> dict[str, Any]:
        role: dict[str, Any] = {
            "id": rid,
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": managed,
            "mentionable": False,
            "flags": 0,
        }
        if managed:
            role["tags"] = {
                "bot_id": self.users.get(getattr(self, "bot_user_id", ""), {}).get("id")
            }
        return role

    def _add_member_obj(self, uid: str, roles: list[str] | None = None) -> dict[str, Any]:
        member = {
            "user": self.users[uid],
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": list(roles or []),
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        self.members[uid] = member
        return member

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
        return ch

    @staticmethod
    def _overwrite_obj(o: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(o["id"]),
            "type": int(o.get("type") or 0),
            "allow": str(int(o.get("allow") or 0)),
            "deny": str(int(o.get("deny") or 0)),
        }

    def _guild_payload(self, *, members: bool) -> dict[str, Any]:
        member_list = list(self.members.values()) if members else [self.members[self.bot_user_id]]
        return {
            **self.guild,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
            "joined_at": self.members[self.bot_user_id]["joined_at"],
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": member_list,
            "channels": [c for c in self.channels.values() if c["type"] != CHANNEL_DM],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _member_payload(self, user_id: str, channel_id: str | None = None) -> dict[str, Any]:
        member = dict(self.members[user_id])
        if channel_id is not None:
            member["permissions"] = str(self.permissions_in(channel_id, user_id))
        return member

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

    # ----------------------------------------------------------------------------------
    # gateway dispatch
    # ----------------------------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _fire_guild(self, event: str, data: Any) -> None:
        for s in list(self.sessions):
            if s.ready and s.owns_guild(self.guild_id) and self._wants(s, event):
                self._spawn(s.dispatch(event, data))

    def _fire_dm(self, event: str, data: Any) -> None:
        for s in list(self.sessions):
            if s.ready and s.shard[0] == 0 and s.intents & Intents.DIRECT_MESSAGES:
                self._spawn(s.dispatch(event, data))

    @staticmethod
    def _wants(session: GatewaySession, event: str) -> bool:
        need = _EVENT_INTENT.get(event)
        return need is None or bool(session.intents & need)

    def _session_for_guild(self) -> GatewaySession:
        for s in self.sessions:
            if s.ready and s.open and s.owns_guild(self.guild_id):
                return s
        raise FakeRefused("no bot is connected to the gateway for this guild")

    async def disconnect_bot(self, code: int = 4000) -> None:
        """Drop the gateway connection(s) as Discord sometimes does (the bot may RESUME)."""
        for s in list(self.sessions):
            await s.ws.close(code=code)

    # ----------------------------------------------------------------------------------
    # gateway websocket
    # ----------------------------------------------------------------------------------
    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        compress = q.get("compress")
        problems = []
        if q.get("v") != "10":
            problems.append(f"gateway: version v={q.get('v')!r}, expected 10")
        if q.get("encoding", "json") != "json":
            problems.append(f"gateway: encoding {q.get('encoding')!r} not supported by the fake")
        if compress not in (None, "zlib-stream"):
            problems.append(f"gateway: compress={compress!r} not supported by the fake")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        if problems:
            self.violations.extend(problems)
            await ws.close(code=4000 if "compress" in problems[0] else 4012)
            return ws
        session = GatewaySession(ws, compress)
        self.sessions.append(session)
        try:
            await session.send(
                {"op": 10, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}}
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await ws.close(code=4002)
                        break
                    session.received.append(payload)
                    await self._gateway_op(session, payload)
                elif msg.type == WSMsgType.BINARY:
                    self.violations.append(
                        "gateway: binary frame from client (ETF is not supported)"
                    )
                    await ws.close(code=4002)
                    break
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            if session in self.sessions:
                self.sessions.remove(session)
            self._ended_sessions[session.session_id] = session
            await self._notify()
        return ws

    async def _gateway_op(self, session: GatewaySession, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        d = payload.get("d")
        if op == 1:
            session.heartbeats += 1
            await session.send({"op": 11})
        elif op == 2:
            await self._identify(session, d or {})
        elif op == 6:
            await self._resume(session, d or {})
        elif op in (3, 4, 8):
            if op == 8 and not (session.intents & Intents.GUILD_MEMBERS):
                self.violations.append(
                    "gateway: REQUEST_GUILD_MEMBERS without the GUILD_MEMBERS intent"
                )
        else:
            self.violations.append(f"gateway: unknown opcode {op!r}")
            await session.ws.close(code=4001)

    async def _identify(self, session: GatewaySession, d: dict[str, Any]) -> None:
        if session.identify is not None:
            await session.ws.close(code=4005)
            return
        record = {k: v for k, v in d.items() if k != "token"}
        record["token_ok"] = d.get("token") == self.token
        self.identifies.append(record)
        if d.get("token") != self.token:
            await session.ws.close(code=4004)
            return
        if "intents" not in d:
            self.violations.append("gateway: IDENTIFY without intents (required in v10)")
            await session.ws.close(code=4013)
            return
        intents = int(d["intents"])
        if intents & ~Intents.ALL:
            await session.ws.close(code=4013)
            return
        if intents & Intents.PRIVILEGED & ~self.privileged_intents:
            await session.ws.close(code=4014)
            return
        shard = d.get("shard") or [0, 1]
        if not (isinstance(shard, list) and len(shard) == 2 and 0 <= int(shard[0]) < int(shard[1])):
            await session.ws.close(code=4010)
            return
        session.identify = record
        session.intents = intents
        session.shard = (int(shard[0]), int(shard[1]))
        ready: dict[str, Any] = {
            "v": 10,
            "user": {
                **self.users[self.bot_user_id],
                "verified": True,
                "mfa_enabled": False,
                "email": None,
            },
            "guilds": [{"id": self.guild_id, "unavailable": True}]
            if session.owns_guild(self.guild_id)
            else [],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": self._app_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "session_type": "normal",
        }
        if d.get("shard"):
            ready["shard"] = list(session.shard)
        await session.dispatch("READY", ready)
        session.ready = True
        if session.owns_guild(self.guild_id):
            members = bool(intents & Intents.GUILD_MEMBERS)
            await session.dispatch("GUILD_CREATE", self._guild_payload(members=members))
        await self._notify()

    async def _resume(self, session: GatewaySession, d: dict[str, Any]) -> None:
        old = self._ended_sessions.get(str(d.get("session_id")))
        if old is None or d.get("token") != self.token or old.identify is None:
            await session.send({"op": 9, "d": False})
            return
        session.session_id = old.session_id
        session.identify = old.identify
        session.intents = old.intents
        session.shard = old.shard
        session.seq = old.seq
        session.resumed = True
        seq = int(d.get("seq") or 0)
        for p in old.sent:
            if p.get("op") == 0 and int(p.get("s") or 0) > seq:
                await session.send(p)
        session.ready = True
        await session.dispatch("RESUMED", {})
        await self._notify()

    def _app_flags(self) -> int:
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        for intent, flag in _APP_FLAG_FOR_INTENT.items():
            if self.privileged_intents & intent:
                flags |= flag
        return flags

    async def _attachment_handler(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(request.match_info["attachment_id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data)

    # ----------------------------------------------------------------------------------
    # REST plumbing
    # ----------------------------------------------------------------------------------
    def _routes(self) -> dict[tuple[str, str], Callable[..., Any]]:
        r: dict[tuple[str, str], Callable[..., Any]] = {
            ("GET", "/users/@me"): self._get_me,
            ("GET", "/users/{user_id}"): self._get_user,
            ("POST", "/users/@me/channels"): self._create_dm,
            ("GET", "/users/@me/guilds"): self._my_guilds,
            ("GET", "/gateway"): self._get_gateway,
            ("GET", "/gateway/bot"): self._get_gateway_bot,
            ("GET", "/applications/@me"): self._get_application,
            ("GET", "/oauth2/applications/@me"): self._get_application,
            ("GET", "/applications/{application_id}/commands"): self._list_commands,
            ("PUT", "/applications/{application_id}/commands"): self._put_commands,
            ("POST", "/applications/{application_id}/commands"): self._post_command,
            (
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
            ): self._list_commands,
            (
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
            ): self._put_commands,
            (
                "POST",
                "/applications/{application_id}/guilds/{guild_id}/commands",
            ): self._post_command,
            ("GET", "/guilds/{guild_id}"): self._get_guild,
            ("GET", "/guilds/{guild_id}/channels"): self._guild_channels,
            ("POST", "/guilds/{guild_id}/channels"): self._create_channel,
            ("GET", "/guilds/{guild_id}/roles"): self._guild_roles,
            ("GET", "/guilds/{guild_id}/members"): self._list_members,
            ("GET", "/guilds/{guild_id}/members/{user_id}"): self._get_member,
            ("GET", "/channels/{channel_id}"): self._get_channel,
            ("PATCH", "/channels/{channel_id}"): self._edit_channel,
            ("DELETE", "/channels/{channel_id}"): self._delete_channel,
            ("PUT", "/channels/{channel_id}/permissions/{overwrite_id}"): self._put_overwrite,
            ("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}"): self._delete_overwrite,
            ("GET", "/channels/{channel_id}/messages"): self._history,
            ("POST", "/channels/{channel_id}/messages"): self._post_message,
            ("GET", "/channels/{channel_id}/messages/{message_id}"): self._get_message,
            ("PATCH", "/channels/{channel_id}/messages/{message_id}"): self._edit_message,
            ("DELETE", "/channels/{channel_id}/messages/{message_id}"): self._delete_message,
            ("GET", "/channels/{channel_id}/messages/pins"): self._list_pins,
            ("PUT", "/channels/{channel_id}/messages/pins/{message_id}"): self._pin,
            ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}"): self._unpin,
            ("GET", "/channels/{channel_id}/pins"): self._list_pins,
            ("PUT", "/channels/{channel_id}/pins/{message_id}"): self._pin,
            ("DELETE", "/channels/{channel_id}/pins/{message_id}"): self._unpin,
            ("POST", "/channels/{channel_id}/typing"): self._typing,
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"): self._callback,
            ("POST", "/webhooks/{webhook_id}/{webhook_token}"): self._followup,
            (
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            ): self._get_webhook_message,
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            ): self._edit_webhook_message,
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            ): self._delete_webhook_message,
            (
                "GET",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
            ): self._get_webhook_message,
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
            ): self._edit_webhook_message,
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
            ): self._delete_webhook_message,
        }
        return r

    _AUTH_OPTIONAL_PREFIXES = ("/interactions/", "/webhooks/")

    def _route_table(self) -> RouteTable:
        if self.spec is not None:
            return self.spec.routes
        templates: dict[str, set[str]] = {}
        for method, template in self._routes():
            templates.setdefault(template, set()).add(method)
        return RouteTable(templates)

    async def _rest_handler(self, request: web.Request) -> web.StreamResponse:
        method = request.method.upper()
        full = request.path
        headers = {k: v for k, v in request.headers.items()}
        auth = headers.get("Authorization")
        if auth is not None:
            headers["Authorization"] = "Bot <valid>" if auth == f"Bot {self.token}" else "<invalid>"
        rec = RecordedRequest(
            method=method,
            path=full[len(API_PREFIX) :] if full.startswith(API_PREFIX) else full,
            route=None,
            params={},
            query=dict(request.query),
            headers=headers,
            at=time.monotonic(),
        )
        self.requests.append(rec)
        try:
            status, body, extra = await self._serve(request, rec, auth)
        except DiscordHTTPError as err:
            status, body, extra = err.status, err.body(), {}
        except Exception as exc:  # a bug in the fake: say so loudly
            log.exception("fake discord crashed on %s %s", method, full)
            self.violations.append(f"fake crashed on {method} {rec.path}: {exc!r}")
            status, body, extra = 500, {"message": "500: Internal Server Error", "code": 0}, {}
        rec.status = status
        hdrs = {"Via": "1.1 google", **extra}
        if status == 429 and "X-Fake-Injected" not in extra:
            self.rate_limit_hits.append(rec)
        hdrs.pop("X-Fake-Injected", None)
        await self._notify()
        if body is None:
            return web.Response(status=status, headers=hdrs)
        # exactly "application/json" (no charset), as Discord sends it; discord.py compares
        hdrs["Content-Type"] = "application/json"
        return web.Response(body=json.dumps(body).encode(), status=status, headers=hdrs)

    async def _serve(
        self, request: web.Request, rec: RecordedRequest, auth: str | None
    ) -> tuple[int, Any, dict[str, str]]:
        method = rec.method
        if not request.path.startswith(API_PREFIX + "/"):
            self.violations.append(f"{method} {request.path}: not under {API_PREFIX}")
            return 404, {"message": "404: Not Found", "code": 0}, {}
        path = rec.path
        match = self._route_table().match(path)
        if match is None:
            self.violations.append(f"{method} {path}: no such route in Discord's API")
            return 404, {"message": "404: Not Found", "code": 0}, {}
        rec.route = match.template
        rec.params = match.params
        if method not in match.methods:
            self.violations.append(
                f"{method} {match.template}: method not allowed by Discord's API"
            )
            return 405, {"message": "405: Method Not Allowed", "code": 0}, {}

        # authentication
        auth_optional = (
            self.spec.auth_optional(method, match.template)
            if self.spec is not None
            else match.template.startswith(self._AUTH_OPTIONAL_PREFIXES)
        )
        if auth is None and not auth_optional:
            self.violations.append(f"{method} {match.template}: no Authorization header")
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        if auth is not None and auth != f"Bot {self.token}":
            self.violations.append(f"{method} {match.template}: bad Authorization header")
            return 401, {"message": "401: Unauthorized", "code": 0}, {}
        if auth is not None and not rec.headers.get("User-Agent", "").startswith("DiscordBot"):
            self.violations.append(
                f"{method} {match.template}: User-Agent must start with 'DiscordBot'"
            )

        # body
        await self._read_body(request, rec)
        problems = self._spec_problems(rec)
        if problems:
            self.violations.extend(f"{method} {match.template}: {p}" for p in problems)
            return (
                400,
                {
                    "message": "Invalid Form Body",
                    "code": 50035,
                    "errors": {
                        "_errors": [{"code": "SPEC_VIOLATION", "message": p} for p in problems]
                    },
                },
                {},
            )

        # injected failures
        for rule in self._fail_rules:
            if rule.matches(method, path, match.template):
                rule.remaining -= 1
                rule.hits.append(rec)
                return self._injected(rule, match.template)

        # rate limits
        limited = self._rate_limit(rec)
        if limited is not None:
            return limited

        handler = self._routes().get((method, match.template))
        if handler is None:
            self.violations.append(
                f"{method} {match.template}: exists in Discord's API but not in this fake"
            )
            return 404, {"message": "404: Not Found (not implemented by the fake)", "code": 0}, {}
        result = await handler(rec, **match.params)
        headers = self._bucket_headers(rec)
        if result is None:
            return 204, None, headers
        if isinstance(result, tuple):
            return result[0], result[1], headers
        return 200, result, headers

    async def _read_body(self, request: web.Request, rec: RecordedRequest) -> None:
        ctype = request.content_type
        if not request.can_read_body:
            return
        if ctype == "application/json":
            raw = await request.read()
            if raw:
                try:
                    rec.json = json.loads(raw)
                except ValueError:
                    raise DiscordHTTPError(
                        400, 50109, "The request body contains invalid JSON."
                    ) from None
        elif ctype == "multipart/form-data":
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                name = getattr(part, "name", None) or ""
                filename = getattr(part, "filename", None)
                data = await part.read()  # type: ignore[union-attr]
                if filename is not None:
                    rec.files.append(
                        RecordedFile(
                            name,
                            filename,
                            part.headers.get("Content-Type", "application/octet-stream"),
                            data,
                        )
                    )
                else:
                    rec.form[name] = data.decode()
            if "payload_json" in rec.form:
                rec.json = json.loads(rec.form["payload_json"])
        else:
            raw = await request.read()
            if raw:
                self.violations.append(
                    f"{rec.method} {rec.route}: unexpected body content type {ctype!r}"
                )

    def _spec_problems(self, rec: RecordedRequest) -> list[str]:
        problems: list[str] = []
        assert rec.route is not None
        if self.spec is not None:
            allowed_q = self.spec.query_names(rec.method, rec.route)
            for q in rec.query:
                if q not in allowed_q:
                    problems.append(f"unknown query parameter {q!r}")
            if rec.json is not None or rec.files:
                if not self.spec.accepts_body(rec.method, rec.route):
                    problems.append("this route takes no request body")
                else:
                    ctype = "multipart/form-data" if rec.files or rec.form else "application/json"
                    schema = self.spec.body_schema(rec.method, rec.route, ctype)
                    if schema is not None and rec.json is not None:
                        route = rec.route
                        problems.extend(
                            self.spec.check(schema, rec.json, ignore=lambda p: _spec_gap(route, p))
                        )
        for f in rec.files:
            if not re.fullmatch(r"files\[\d+\]", f.field):
                problems.append(f"file field {f.field!r} must be named files[n]")
        for k in rec.form:
            if k != "payload_json":
                problems.append(f"unexpected form field {k!r}")
        return problems

    def _injected(self, rule: FailRule, template: str) -> tuple[int, Any, dict[str, str]]:
        headers = {"X-Fake-Injected": "1"}
        if rule.status == 429:
            retry = rule.retry_after
            body = {
                "message": rule.message or "You are being rate limited.",
                "retry_after": retry,
                "global": rule.global_,
            }
            if rule.global_:
                body["code"] = 0
            headers.update(
                {
                    "Retry-After": str(max(1, math.ceil(retry))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                    "X-RateLimit-Reset-After": f"{retry:.3f}",
                    "X-RateLimit-Bucket": _bucket_hash(template),
                    "X-RateLimit-Scope": "global" if rule.global_ else "user",
                }
            )
            if rule.global_:
                headers["X-RateLimit-Global"] = "true"
            return 429, body, headers
        code = rule.code if rule.code is not None else 0
        err = DiscordHTTPError(rule.status, code, rule.message)
        return rule.status, err.body(), headers

    def _bucket_key(self, rec: RecordedRequest) -> tuple[str, int, float]:
        assert rec.route is not None
        major = (
            rec.params.get("channel_id")
            or rec.params.get("guild_id")
            or rec.params.get("webhook_id")
            or ""
        )
        if rec.route == "/interactions/{interaction_id}/{interaction_token}/callback":
            major = rec.params.get("interaction_id", "")
        if rec.method == "POST" and rec.route == "/channels/{channel_id}/messages":
            return f"msg:{major}", 5, 5.0
        return f"{rec.method} {rec.route}:{major}", 50, 1.0

    def _rate_limit(self, rec: RecordedRequest) -> tuple[int, Any, dict[str, str]] | None:
        if not self.enforce_rate_limits:
            return None
        assert rec.route is not None
        now = time.monotonic()
        if not rec.route.startswith(self._AUTH_OPTIONAL_PREFIXES):
            self._global_window = [t for t in self._global_window if now - t < 1.0]
            if len(self._global_window) >= 50:
                retry = round(1.0 - (now - self._global_window[0]), 3)
                return (
                    429,
                    {
                        "message": "You are being rate limited.",
                        "retry_after": retry,
                        "global": True,
                        "code": 0,
                    },
                    {
                        "Retry-After": str(max(1, math.ceil(retry))),
                        "X-RateLimit-Global": "true",
                        "X-RateLimit-Scope": "global",
                    },
                )
            self._global_window.append(now)
        key, limit, window = self._bucket_key(rec)
        b = self._buckets.setdefault(key, _Bucket(limit, window))
        if now >= b.reset_at:
            b.count = 0
            b.reset_at = now + window
        if b.count >= b.limit:
            retry = round(b.reset_at - now, 3)
            return (
                429,
                {"message": "You are being rate limited.", "retry_after": retry, "global": False},
                {
                    "Retry-After": str(max(1, math.ceil(retry))),
                    "X-RateLimit-Limit": str(b.limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                    "X-RateLimit-Reset-After": f"{retry:.3f}",
                    "X-RateLimit-Bucket": _bucket_hash(key.split(":")[0]),
                    "X-RateLimit-Scope": "user",
                },
            )
        b.count += 1
        return None

    def _bucket_headers(self, rec: RecordedRequest) -> dict[str, str]:
        key, limit, window = self._bucket_key(rec)
        b = self._buckets.get(key) or _Bucket(limit, window, 0, time.monotonic() + window)
        reset_after = max(0.0, b.reset_at - time.monotonic())
        return {
            "X-RateLimit-Limit": str(b.limit),
            "X-RateLimit-Remaining": str(max(0, b.limit - b.count)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": _bucket_hash(key.split(":")[0]),
        }

    # ----------------------------------------------------------------------------------
    # access checks used by handlers
    # ----------------------------------------------------------------------------------
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

    # ----------------------------------------------------------------------------------
    # handlers: users, gateway, application
    # ----------------------------------------------------------------------------------
    async def _get_me(self, rec: RecordedRequest) -> Any:
        return {
            **self.users[self.bot_user_id],
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
        }

    async def _get_user(self, rec: RecordedRequest, user_id: str) -> Any:
        user = self.users.get(user_id)
        if user is None:
            raise DiscordHTTPError(404, 10013)
        return user

    async def _my_guilds(self, rec: RecordedRequest) -> Any:
        return [
            {
                "id": self.guild_id,
                "name": self.guild["name"],
                "icon": None,
                "owner": False,
                "permissions": str(self.base_permissions(self.bot_user_id)),
                "features": [],
            }
        ]

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

    async def _get_gateway(self, rec: RecordedRequest) -> Any:
        return {"url": self.gateway_url.rstrip("/")}

    async def _get_gateway_bot(self, rec: RecordedRequest) -> Any:
        return {
            "url": self.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }

    async def _get_application(self, rec: RecordedRequest) -> Any:
        return {
            "id": self.application_id,
            "name": self.users[self.bot_user_id]["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self._app_flags(),
            "owner": self.users[self.owner_id],
            "team": None,
            "bot": self.users[self.bot_user_id],
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": 1,
        }

    # ----------------------------------------------------------------------------------
    # handlers: application commands
    # ----------------------------------------------------------------------------------
    def _commands_for(self, guild_id: str | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def _check_app(self, application_id: str) -> None:
        if application_id != self.application_id:
            raise DiscordHTTPError(403, 50001)

    async def _list_commands(
        self, rec: RecordedRequest, application_id: str, guild_id: str | None = None
    ) -> Any:
        self._check_app(application_id)
        if guild_id is not None:
            self._guild(guild_id)
        return self._commands_for(guild_id)

    async def _put_commands(
        self, rec: RecordedRequest, application_id: str, guild_id: str | None = None
    ) -> Any:
        self._check_app(application_id)
        if guild_id is not None:
            self._guild(guild_id)
        body = rec.json
        if not isinstance(body, list):
            raise _form_error([], "Must be an array")
        seen: set[tuple[int, str]] = set()
        built = []
        for i, cmd in enumerate(body):
            self._validate_command(cmd, [i])
            key = (int(cmd.get("type") or 1), cmd["name"])
            if key in seen:
                raise _form_error(
                    [i, "name"],
                    "Application command names must be unique",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                )
            seen.add(key)
            built.append(self._command_obj(cmd, guild_id))
        chat = [c for c in built if c["type"] == 1]
        if len(chat) > 100:
            raise _form_error([], "Maximum number of application commands reached (100)")
        self._commands_for(guild_id)[:] = built
        return built

    async def _post_command(
        self, rec: RecordedRequest, application_id: str, guild_id: str | None = None
    ) -> Any:
        self._check_app(application_id)
        if guild_id is not None:
            self._guild(guild_id)
        cmd = rec.json or {}
        self._validate_command(cmd, [])
        obj = self._command_obj(cmd, guild_id)
        cmds = self._commands_for(guild_id)
        cmds[:] = [
            c for c in cmds if not (c["name"] == obj["name"] and c["type"] == obj["type"])
        ] + [obj]
        return 201, obj

    def _command_obj(self, cmd: dict[str, Any], guild_id: str | None) -> dict[str, Any]:
        ctype = int(cmd.get("type") or 1)
        key = (guild_id, ctype, cmd["name"])
        cid = self._command_ids.setdefault(key, self.snowflake())
        obj = {
            "id": cid,
            "application_id": self.application_id,
            "version": self.snowflake(),
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description") or "",
            "description_localizations": cmd.get("description_localizations"),
            "options": cmd.get("options") or [],
            "default_member_permissions": (
                str(cmd["default_member_permissions"])
                if cmd.get("default_member_permissions") is not None
                else None
            ),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
            "nsfw": bool(cmd.get("nsfw")),
        }
        if guild_id is not None:
            obj["guild_id"] = guild_id
        return obj

    def _validate_command(self, cmd: dict[str, Any], path: list[str | int]) -> None:
        if not isinstance(cmd, dict):
            raise _form_error(path, "Must be an object")
        ctype = int(cmd.get("type") or 1)
        name = cmd.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise _form_error(
                [*path, "name"], "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME"
            )
        desc = cmd.get("description") or ""
        if ctype == 1:
            if name != name.lower():
                raise _form_error(
                    [*path, "name"],
                    "Command name must be lower case",
                    "APPLICATION_COMMAND_INVALID_NAME",
                )
            if not 1 <= len(desc) <= 100:
                raise _form_error(
                    [*path, "description"],
                    "Must be between 1 and 100 in length.",
                    "BASE_TYPE_BAD_LENGTH",
                )
        elif desc:
            raise _form_error(
                [*path, "description"], "Context menu commands cannot have a description"
            )
        options = cmd.get("options") or []
        if ctype != 1 and options:
            raise _form_error([*path, "options"], "Context menu commands cannot have options")
        self._validate_options(options, [*path, "options"], depth=0)
        total = _command_length(cmd)
        if total > 4000:
            raise _form_error(
                path,
                f"Command is too large ({total} > 4000 characters)",
                "APPLICATION_COMMAND_TOO_LARGE",
            )

    def _validate_options(
        self, options: list[dict[str, Any]], path: list[str | int], depth: int
    ) -> None:
        if not isinstance(options, list):
            raise _form_error(path, "Must be an array")
        if len(options) > 25:
            raise _form_error(path, "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        kinds = {int(o.get("type", 0)) in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in options}
        if len(kinds) > 1:
            raise _form_error(
                path,
                "Sub-commands and options cannot be mixed",
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            )
        names: set[str] = set()
        optional_seen = False
        for i, o in enumerate(options):
            p: list[str | int] = [*path, i]
            otype = int(o.get("type", 0))
            name = o.get("name")
            if not isinstance(name, str) or not _NAME_RE.match(name) or name != name.lower():
                raise _form_error(
                    [*p, "name"], "Option name is invalid", "APPLICATION_COMMAND_INVALID_NAME"
                )
            if name in names:
                raise _form_error(
                    [*p, "name"],
                    "Option names must be unique",
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                )
            names.add(name)
            if not 1 <= len(o.get("description") or "") <= 100:
                raise _form_error(
                    [*p, "description"],
                    "Must be between 1 and 100 in length.",
                    "BASE_TYPE_BAD_LENGTH",
                )
            if otype not in range(1, 12):
                raise _form_error([*p, "type"], "Value is not a valid option type")
            if otype == OPT_SUB_COMMAND_GROUP:
                if depth != 0:
                    raise _form_error(
                        [*p, "type"], "Sub-command groups can only be nested at the top level"
                    )
                subs = o.get("options") or []
                if not subs or any(int(s.get("type", 0)) != OPT_SUB_COMMAND for s in subs):
                    raise _form_error(
                        [*p, "options"], "Sub-command groups must contain only sub-commands"
                    )
                self._validate_options(subs, [*p, "options"], depth + 1)
                continue
            if otype == OPT_SUB_COMMAND:
                if depth > 1:
                    raise _form_error([*p, "type"], "Sub-commands nested too deep")
                inner = o.get("options") or []
                if any(int(s.get("type", 0)) in (1, 2) for s in inner):
                    raise _form_error([*p, "options"], "Sub-commands cannot contain sub-commands")
                self._validate_options(inner, [*p, "options"], depth + 2)
                continue
            if o.get("required"):
                if optional_seen:
                    raise _form_error(
                        [*p, "required"],
                        "Required options must be placed before non-required options",
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    )
            else:
                optional_seen = True
            choices = o.get("choices")
            if choices:
                if otype not in (OPT_STRING, OPT_INTEGER, OPT_NUMBER):
                    raise _form_error(
                        [*p, "choices"], "Choices are only for string, integer and number options"
                    )
                if len(choices) > 25:
                    raise _form_error(
                        [*p, "choices"], "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
                    )
                if o.get("autocomplete"):
                    raise _form_error(
                        [*p, "autocomplete"], "Autocomplete cannot be set with choices"
                    )
                for j, ch in enumerate(choices):
                    if not 1 <= len(str(ch.get("name", ""))) <= 100:
                        raise _form_error(
                            [*p, "choices", j, "name"], "Must be between 1 and 100 in length."
                        )
                    if otype == OPT_STRING and not (
                        isinstance(ch.get("value"), str) and 1 <= len(ch["value"]) <= 100
                    ):
                        raise _form_error(
                            [*p, "choices", j, "value"], "Must be a string of 1 to 100 characters."
                        )
                    if otype == OPT_INTEGER and not (
                        isinstance(ch.get("value"), int) and not isinstance(ch.get("value"), bool)
                    ):
                        raise _form_error([*p, "choices", j, "value"], "Must be an integer.")
            if o.get("autocomplete") and otype not in (OPT_STRING, OPT_INTEGER, OPT_NUMBER):
                raise _form_error(
                    [*p, "autocomplete"],
                    "Autocomplete is only for string, integer and number options",
                )
            if ("min_length" in o or "max_length" in o) and otype != OPT_STRING:
                raise _form_error([*p], "min_length/max_length are only for string options")
            if ("min_value" in o or "max_value" in o) and otype not in (OPT_INTEGER, OPT_NUMBER):
                raise _form_error([*p], "min_value/max_value are only for number options")
            if o.get("options"):
                raise _form_error([*p, "options"], "Only sub-commands and groups have options")

    # ----------------------------------------------------------------------------------
    # handlers: guild
    # ----------------------------------------------------------------------------------
    async def _get_guild(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        g = self._guild_payload(members=False)
        for k in (
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
            "joined_at",
            "large",
            "unavailable",
            "member_count",
        ):
            g.pop(k, None)
        if rec.query.get("with_counts") in ("true", "1", "True"):
            g["approximate_member_count"] = len(self.members)
            g["approximate_presence_count"] = 0
        return g

    async def _guild_channels(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        return [c for c in self.channels.values() if c["type"] != CHANNEL_DM]

    async def _guild_roles(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        return list(self.roles.values())

    async def _list_members(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        if not self.privileged_intents & Intents.GUILD_MEMBERS:
            raise DiscordHTTPError(403, 50001)
        return list(self.members.values())

    async def _get_member(self, rec: RecordedRequest, guild_id: str, user_id: str) -> Any:
        self._guild(guild_id)
        m = self.members.get(user_id)
        if m is None:
            raise DiscordHTTPError(404, 10007)
        return m

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

    # ----------------------------------------------------------------------------------
    # handlers: channels and overwrites
    # ----------------------------------------------------------------------------------
    async def _get_channel(self, rec: RecordedRequest, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        self._bot_needs(channel_id, P.VIEW_CHANNEL)
        return ch

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

    async def _delete_channel(self, rec: RecordedRequest, channel_id: str) -> Any:
        ch = self._channel(channel_id)
        if ch["type"] != CHANNEL_DM:
            self._bot_needs(channel_id, P.MANAGE_CHANNELS)
        del self.channels[channel_id]
        self._fire_guild("CHANNEL_DELETE", ch)
        return ch

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

    async def _typing(self, rec: RecordedRequest, channel_id: str) -> Any:
        self._bot_needs(channel_id, P.SEND_MESSAGES)
        return None

    # ----------------------------------------------------------------------------------
    # handlers: messages and pins
    # ----------------------------------------------------------------------------------
    def _validate_message(
        self, payload: dict[str, Any], files: list[RecordedFile], *, edit: bool = False
    ) -> None:
        content = payload.get("content")
        if content is not None and len(str(content)) > 2000:
            raise _form_error(
                ["content"], "Must be 2000 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
            )
        embeds = payload.get("embeds") or []
        if len(embeds) > 10:
            raise _form_error(["embeds"], "Must be 10 or fewer in length.")
        total = 0
        for i, e in enumerate(embeds):
            for key, limit in (("title", 256), ("description", 4096)):
                if e.get(key) and len(str(e[key])) > limit:
                    raise _form_error(["embeds", i, key], f"Must be {limit} or fewer in length.")
                total += len(str(e.get(key) or ""))
            for j, f in enumerate(e.get("fields") or []):
                if not f.get("name") or not f.get("value"):
                    raise _form_error(
                        ["embeds", i, "fields", j], "Field name and value are required"
                    )
                total += len(str(f["name"])) + len(str(f["value"]))
        if total > 6000:
            raise _form_error(["embeds"], "Embed size exceeds maximum size of 6000")
        self._validate_components(payload.get("components") or [], int(payload.get("flags") or 0))
        if not edit and not (
            content
            or embeds
            or files
            or payload.get("components")
            or payload.get("sticker_ids")
            or payload.get("poll")
        ):
            raise DiscordHTTPError(400, 50006)
        nonce = payload.get("nonce")
        if nonce is not None and isinstance(nonce, str) and len(nonce) > 25:
            raise _form_error(["nonce"], "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")

    def _validate_components(self, components: list[dict[str, Any]], flags: int) -> None:
        if flags & (1 << 15):
            return  # components v2: accepted, not validated in depth
        if len(components) > 5:
            raise _form_error(["components"], "Must be 5 or fewer in length.")
        custom_ids: set[str] = set()
        for i, row in enumerate(components):
            if row.get("type") != 1:
                raise _form_error(
                    ["components", i, "type"], "Top-level components must be action rows"
                )
            inner = row.get("components") or []
            if not 1 <= len(inner) <= 5:
                raise _form_error(
                    ["components", i, "components"], "Action rows hold 1 to 5 components"
                )
            for j, c in enumerate(inner):
                p: list[str | int] = ["components", i, "components", j]
                ctype = c.get("type")
                if ctype == 2:
                    style = int(c.get("style") or 0)
                    if style == 5:
                        if not c.get("url") or c.get("custom_id"):
                            raise _form_error(p, "Link buttons need a url and no custom_id")
                    elif style in (1, 2, 3, 4):
                        if not c.get("custom_id"):
                            raise _form_error(
                                [*p, "custom_id"], "This field is required", "BASE_TYPE_REQUIRED"
                            )
                    elif style != 6:
                        raise _form_error([*p, "style"], "Value is not a valid button style")
                    if not c.get("label") and not c.get("emoji"):
                        raise _form_error([*p, "label"], "A button needs a label or an emoji")
                    if c.get("label") and len(c["label"]) > 80:
                        raise _form_error([*p, "label"], "Must be 80 or fewer in length.")
                elif ctype in (3, 5, 6, 7, 8):
                    if len(inner) != 1:
                        raise _form_error(p, "A select menu fills its action row")
                    if ctype == 3 and not 1 <= len(c.get("options") or []) <= 25:
                        raise _form_error([*p, "options"], "Select menus have 1 to 25 options")
                else:
                    raise _form_error(
                        [*p, "type"], "Component type not allowed in a message action row"
                    )
                cid = c.get("custom_id")
                if cid is not None:
                    if not 1 <= len(cid) <= 100:
                        raise _form_error([*p, "custom_id"], "Must be between 1 and 100 in length.")
                    if cid in custom_ids:
                        raise _form_error(
                            [*p, "custom_id"],
                            "Component custom id cannot be duplicated",
                            "COMPONENT_CUSTOM_ID_DUPLICATED",
                        )
                    custom_ids.add(cid)

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

    async def _edit_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        msg = self._message(channel_id, message_id)
        if msg["author"]["id"] != self.bot_user_id:
            raise DiscordHTTPError(403, 50005)
        self._apply_edit(msg, rec.json or {}, rec.files)
        return msg

    async def _delete_message(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        msg = self._message(channel_id, message_id)
        if msg["author"]["id"] != self.bot_user_id:
            self._bot_needs(channel_id, P.MANAGE_MESSAGES)
        del self.messages[channel_id][message_id]
        if message_id in self.pins.get(channel_id, []):
            self.pins[channel_id].remove(message_id)
        return None

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

    async def _unpin(self, rec: RecordedRequest, channel_id: str, message_id: str) -> Any:
        self._bot_can_pin(channel_id)
        msg = self._message(channel_id, message_id)
        pins = self.pins.setdefault(channel_id, [])
        if message_id in pins:
            pins.remove(message_id)
            msg["pinned"] = False
        return None

    # ----------------------------------------------------------------------------------
    # handlers: interactions
    # ----------------------------------------------------------------------------------
    def _interaction_by_token(self, webhook_id: str, token: str) -> FakeInteraction:
        if webhook_id != self.application_id:
            raise DiscordHTTPError(404, 10015)
        for ia in self.interactions.values():
            if ia.token == token:
                if time.monotonic() - ia.created > 15 * 60:
                    raise DiscordHTTPError(401, 50027, "Invalid Webhook Token")
                return ia
        raise DiscordHTTPError(404, 10015)

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

    async def _get_webhook_message(
        self,
        rec: RecordedRequest,
        webhook_id: str,
        webhook_token: str,
        message_id: str = "@original",
    ) -> Any:
        ia = self._interaction_by_token(webhook_id, webhook_token)
        return self._webhook_target(ia, message_id)

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

    # ----------------------------------------------------------------------------------
    # people acting: interactions sent to the bot
    # ----------------------------------------------------------------------------------
    def command(self, name: str, *, guild: bool | None = None) -> dict[str, Any] | None:
        """A registered chat-input command by name (guild commands first)."""
        pools = []
        if guild in (None, True):
            pools.append(self.guild_commands.get(self.guild_id, []))
        if guild in (None, False):
            pools.append(self.global_commands)
        for pool in pools:
            for c in pool:
                if c["name"] == name and c["type"] == 1:
                    return c
        return None

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
            "locale": "en-US",
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


# Keys Discord accepts that its OpenAPI file does not list. Only what discord.py really
# sends and Discord really takes belongs here, each with the reason.
_TTS = re.compile(r"^body: unknown key 'tts'$")
_NSFW = re.compile(r"^body(\[\d+\])?: unknown key 'nsfw'$")
_SPEC_GAPS: dict[str, re.Pattern[str]] = {
    # application command "nsfw" is documented (Application Command Object) but not in the file
    "/applications/{application_id}/commands": _NSFW,
    "/applications/{application_id}/guilds/{guild_id}/commands": _NSFW,
    # discord.py repeats the overwrite id in the body of Edit Channel Permissions; ignored
    "/channels/{channel_id}/permissions/{overwrite_id}": re.compile(r"^body: unknown key 'id'$"),
    # discord.py sends "tts": false when editing an interaction response; ignored by Discord
    "/webhooks/{webhook_id}/{webhook_token}/messages/@original": _TTS,
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": _TTS,
    "/interactions/{interaction_id}/{interaction_token}/callback": re.compile(
        r"^body\.data: unknown key 'tts'$"
    ),
}


def _spec_gap(route: str | None, problem: str) -> bool:
    pattern = _SPEC_GAPS.get(route or "")
    return bool(pattern and pattern.match(problem))


def _bucket_hash(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:32]


def _command_length(cmd: dict[str, Any]) -> int:
    total = len(cmd.get("name") or "") + len(cmd.get("description") or "")

    def walk(opts: list[dict[str, Any]]) -> int:
        n = 0
        for o in opts or []:
            n += len(o.get("name") or "") + len(o.get("description") or "")
            for c in o.get("choices") or []:
                n += len(str(c.get("name") or "")) + len(str(c.get("value") or ""))
            n += walk(o.get("options") or [])
        return n

    return total + walk(cmd.get("options") or [])


# --------------------------------------------------------------------------------------
# pointing discord.py at the fake
# --------------------------------------------------------------------------------------
@contextlib.contextmanager
def discord_py_pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at ``fake`` (restored after)."""
    import discord.gateway
    import discord.http
    import yarl

    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
