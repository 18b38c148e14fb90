"""The world state every family of methods shares: workspaces, people, channels,
messages, views, files and the record of calls, with set-up helpers and queries for tests."""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import time
from collections.abc import Callable

from aiohttp import web

from tests.fakes.slack.records import (
    DEFAULT_BOT_SCOPES,
    TRIGGER_TTL_SECONDS,
    Call,
    Channel,
    Ephemeral,
    Message,
    ResponsePost,
    ResponseUrl,
    Team,
    UploadedFile,
    User,
    View,
    _Injected,
    _SocketConnection,
    _Trigger,
)
from tests.fakes.slack.spec import load_spec


class SlackState:
    """What Slack knows; a token only sees its own team's part of it."""

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
        enforce_rate_limits: bool = False,
    ) -> None:
        self.enforce_rate_limits = enforce_rate_limits
        self.rate_limit_hits: list[Call] = []
        self._windows: dict[str, list[float]] = {}
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
