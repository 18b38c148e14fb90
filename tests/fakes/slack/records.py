"""The world state's records: workspaces, people, channels, messages, views, files,
response URLs, recorded calls, and the fake's own bookkeeping."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

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
