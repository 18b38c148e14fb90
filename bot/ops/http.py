"""``/healthz`` and ``/metrics`` on ``[ops] listen`` (off by default), served with aiohttp.

``/healthz`` answers 200 when every check holds and 503 otherwise, with one line per check as
JSON (``{"ok": false, "checks": {"database": "ok", "slack": "not connected", ...}}``): the process
is up, the database answers, each configured platform is connected, and the dispatcher finished a
pass within two ticks (or, in a long pass, handled a delivery within two ticks; or the process is
younger than that). ``/metrics`` is Prometheus text from
``bot.ops.metrics``; open consults and platform connections are refreshed at each scrape.
Neither says anything about a person: counts and codes only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.core.runtime import Core
from bot.ops import metrics
from storage.repos import ops as ops_repo

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 2.0


def connected(core: Core, platform: str) -> bool:
    """A platform counts as connected once its adapter registered its port; a port that knows
    more (Discord: the gateway session is ready) says so through a ``connected`` attribute."""
    port: Any = core.ports.get(platform)
    if port is None:
        return False
    return bool(getattr(port, "connected", True))


class OpsServer:
    def __init__(self, core: Core, platforms: Sequence[str]) -> None:
        self.core = core
        self.platforms = list(platforms)
        self.started = time.time()
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics)
        return app

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        log.info("ops endpoint listening host=%s port=%s", host, self.port)

    @property
    def port(self) -> int:
        assert self._runner is not None, "start() first"
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def checks(self) -> dict[str, str]:
        out = {"process": "ok"}
        try:
            async with asyncio.timeout(PROBE_TIMEOUT), self.core.sessions() as s:
                await ops_repo.ping(s)
            out["database"] = "ok"
        except Exception as exc:
            out["database"] = f"unreachable ({type(exc).__name__})"
        for name in self.platforms:
            out[name] = "ok" if connected(self.core, name) else "not connected"
        out["dispatcher"] = self._dispatcher()
        return out

    def _dispatcher(self) -> str:
        tick = self.core.settings.file.scheduler.tick_seconds
        now = time.time()
        last = metrics.dispatcher_alive()
        if last is None:
            if now - self.started <= 2 * tick:
                return "ok"
            return f"no pass since start ({now - self.started:.0f} s)"
        if now - last <= 2 * tick:
            return "ok"
        return f"last pass {now - last:.0f} s ago (tick {tick:g} s)"

    async def healthz(self, request: web.Request) -> web.Response:
        checks = await self.checks()
        ok = all(v == "ok" for v in checks.values())
        return web.json_response({"ok": ok, "checks": checks}, status=200 if ok else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT), self.core.sessions() as s:
                metrics.OPEN_CONSULTS.set(await ops_repo.open_consults(s))
        except Exception as exc:  # the other series are still worth serving
            log.warning("open consults not counted error=%s", type(exc).__name__)
        for name in self.platforms:
            metrics.PLATFORM_CONNECTED.labels(name).set(1 if connected(self.core, name) else 0)
        body = generate_latest(metrics.REGISTRY)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
