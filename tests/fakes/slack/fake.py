"""A strict fake of the Slack Web API for tests, served over loopback HTTP.

``async with FakeSlack() as fake:`` starts an aiohttp server on 127.0.0.1 with a free port;
point slack_sdk at ``fake.base_url`` (``http://127.0.0.1:PORT/api/``). The fake keeps the state a
circle bot touches (teams, users, private channels and their members, messages with metadata,
ephemeral messages, DMs, pins, modals and App Home views, uploaded files, response_url posts,
Socket Mode connections) and answers with Slack's own error codes when a call would fail on real
Slack. Every call is recorded; calls that do not match Slack's OpenAPI description (when
``../shared/specs`` is present, ``spec``) are recorded in ``fake.violations``, which tests assert
empty.

Failures are injected with ``fake.fail_next(method, status=429, retry_after=1)`` (or 500/503);
an injected failure changes nothing, unless ``after_effect=True``, which applies the call and then
answers with the error (a "lost response": the post happened but the sender did not learn it).

Several workspaces can be configured (``fake.add_team``); a token only sees its own team's data.

Each family of Web API methods lives in its own module (``chat``, ``conversations``, ``pins``,
``files``, ``users``, ``views``, ``oauth``, ``socket_mode``, ``response_urls``) and declares its
methods with ``@serves``; this module serves HTTP and puts them together.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.routing import handlers
from tests.fakes.slack.args import SlackApiError
from tests.fakes.slack.chat import Chat
from tests.fakes.slack.conversations import Conversations
from tests.fakes.slack.files import Files
from tests.fakes.slack.oauth import OAuth
from tests.fakes.slack.pins import Pins
from tests.fakes.slack.records import Call, Team, _Injected
from tests.fakes.slack.response_urls import ResponseUrls
from tests.fakes.slack.socket_mode import SocketMode
from tests.fakes.slack.users import Users
from tests.fakes.slack.views import Views


class FakeSlack(Users, Conversations, Chat, Pins, Views, Files, ResponseUrls, OAuth, SocketMode):
    """The fake Slack Web API (and response_url, file upload and Socket Mode endpoints)."""

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
                retry = self._rate_limit(method, team.id, params)
                if retry is not None:
                    self.rate_limit_hits.append(call)
                    call.status, call.ok, call.error = 429, False, "ratelimited"
                    return web.json_response(
                        {"ok": False, "error": "ratelimited"},
                        status=429,
                        headers={"Retry-After": str(max(1, math.ceil(retry)))},
                    )
                result = await handler(team, params)
            body: dict[str, Any] = {"ok": True, **result}
        except SlackApiError as exc:
            call.ok = False
            call.error = exc.error
            body = {"ok": False, "error": exc.error, **exc.extra}
        await self._notify()
        if injected is not None:
            return self._injected_response(call, injected)
        headers = {}
        if call.team_id in self.teams:  # like Slack: the token's scopes on every answer
            headers["x-oauth-scopes"] = ",".join(sorted(self.teams[call.team_id].scopes))
        return web.json_response(body, headers=headers)

    def _rate_limit(self, method: str, team: str, params: dict[str, Any]) -> float | None:
        """With ``enforce_rate_limits``: Slack's limits for what a circle bot sends in bursts,
        as rolling windows. chat.postMessage: 1 per second per channel (Slack's rule) and, as a
        stand-in for the workspace-wide limit Slack does not publish, 50 per second per
        workspace; conversations.open: Tier 3 (50 per minute); users.info: Tier 4 (100 per
        minute). Returns the seconds to wait, or None when the call may go through."""
        if not self.enforce_rate_limits:
            return None
        rules: list[tuple[str, int, float]] = []
        if method == "chat.postMessage":
            rules = [(f"post:{team}:{params.get('channel')}", 1, 1.0), (f"post:{team}", 50, 1.0)]
        elif method == "conversations.open":
            rules = [(f"open:{team}", 50, 60.0)]
        elif method == "users.info":
            rules = [(f"users:{team}", 100, 60.0)]
        now = time.monotonic()
        wait = 0.0
        for key, limit, period in rules:
            window = self._windows.setdefault(key, [])
            window[:] = [t for t in window if now - t < period]
            if len(window) >= limit:
                wait = max(wait, window[0] + period - now)
        if wait > 0:
            return wait
        for key, _, _ in rules:
            self._windows[key].append(now)
        return None

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
        """Every Web API method served with a bot token; handlers declare theirs with @serves."""
        return handlers(self)
