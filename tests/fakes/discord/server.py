"""The HTTP side: the aiohttp app on 127.0.0.1 (gateway, attachments, REST), request
recording, routing, authentication, body parsing, and the order of checks before a handler."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord.constants import API_PREFIX, DiscordHTTPError
from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.rate_limits import RateLimits
from tests.fakes.discord.records import RecordedFile, RecordedRequest
from tests.fakes.discord.spec import RouteTable
from tests.fakes.discord.spec_check import SpecCheck
from tests.fakes.routing import handlers

if TYPE_CHECKING:
    from tests.fakes.discord.fake import FakeDiscord

log = logging.getLogger("fake_discord")


class Server(RateLimits, SpecCheck, Gateway):
    """Serves REST and the gateway; routes requests to the handlers of the resource modules."""

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

    async def _attachment_handler(self, request: web.Request) -> web.StreamResponse:
        data = self.attachments.get(request.match_info["attachment_id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data)

    def _routes(self) -> dict[tuple[str, str], Callable[..., Any]]:
        """Every (method, route template) the fake serves; handlers declare theirs with @serves."""
        return handlers(self)

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
