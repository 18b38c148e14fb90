"""A whole bot on the console port, driven the way a person types, for service-level tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.commands.context import Invocation
from bot.commands.reply import Reply
from bot.commands.router import Router
from bot.config import Environment, FileSettings, Settings
from bot.core.clock import ManualClock
from bot.core.runtime import Core
from bot.platforms.console.port import ConsolePort
from bot.platforms.console.session import ConsoleSession
from bot.scheduling import attach
from bot.wiring import build_router, start_core

PEOPLE = ["organizer", "lee", "lena", "maya", "ana", "ben", "cara", "dev", "eve", "fay", "gus"]


class Harness:
    core: Core
    router: Router
    port: ConsolePort
    console: ConsoleSession

    def __init__(self, db_url: str, start: datetime, **file: Any) -> None:
        # Tests create circles in UTC unless they say otherwise; ``circles={}`` leaves the
        # default zone unset, so ``create`` asks for one as a fresh deployment does.
        file.setdefault("circles", {"timezone": "UTC"})
        self.settings = Settings(
            file=FileSettings.model_validate(file),
            env=Environment(CIRCLEKEEPER_DATABASE_URL=db_url),
        )
        self.clock = ManualClock(start)
        self.out: list[str] = []

    async def __aenter__(self) -> Harness:
        self.core = await start_core(self.settings, self.clock)
        self.port = ConsolePort(self.out.append, PEOPLE)
        self.core.ports["console"] = self.port
        self.router = build_router(self.core)
        self.dispatcher = attach(self.core)  # `:advance` runs what falls due, as in the console
        self.console = ConsoleSession(
            self.core, self.router, self.port, self.clock, self.out.append
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.core.engine.dispose()

    async def run(self, user: str, line: str) -> Reply:
        """Run ``/circle …`` as ``user``; returns what that person sees."""
        self.out.clear()
        return (await self.router.run_text(Invocation("console", "console", user), line)).reply

    def access(self, channel: str, user: str) -> str:
        """``none``, ``view``, ``post`` or ``manage``: what the console port last granted."""
        level = self.port.channels[channel].get(user)
        return level.name.lower() if level is not None else "none"
