"""Reads console lines (``name: /circle …`` or a directive) and prints the transcript."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable, Iterable

from bot.commands.context import Invocation
from bot.commands.reply import Reply
from bot.commands.router import Router
from bot.core.clock import ManualClock
from bot.core.durations import parse_duration
from bot.core.runtime import Core
from bot.platforms.console.port import ConsolePort

_LINE = re.compile(r"^([a-z][a-z0-9_.-]{0,31})\s*:\s*(/circle\b.*)$", re.IGNORECASE)
HELP = (
    "Lines: 'name: /circle …' acts as that person; '/circle …' acts as the current person.\n"
    "Directives: ':as name', ':people name …' (introduce people), ':advance 2h' (move the clock "
    "and run what falls due), ':now', ':quit'."
)


class ConsoleSession:
    def __init__(
        self,
        core: Core,
        router: Router,
        port: ConsolePort,
        clock: ManualClock,
        write: Callable[[str], None],
    ) -> None:
        self.core, self.router, self.port, self.clock, self.write = core, router, port, clock, write
        organizers = core.settings.file.console.organizers
        self.current = organizers[0] if organizers else "organizer"
        for name in organizers:
            port.meet(name)

    async def run_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line.rstrip("\n"))
            if not await self.line(line):
                break

    async def line(self, raw: str) -> bool:
        """Handle one line; False means quit."""
        text = raw.strip()
        if not text or text.startswith("#"):
            return True
        if text.startswith(":"):
            return await self._directive(text)
        match = _LINE.match(text)
        if match:
            self.current = match[1].lower()
            command = match[2]
        elif text.lower().startswith("/circle"):
            command = text
        else:
            self.write("  ? " + HELP.replace("\n", "\n    "))
            return True
        self.port.meet(self.current)
        inv = Invocation("console", ConsolePort.workspace, self.current)
        self._print_reply((await self.router.run_text(inv, command)).reply)
        return True

    async def _directive(self, text: str) -> bool:
        word, _, rest = text.partition(" ")
        rest = rest.strip()
        if word == ":as" and rest:
            self.current = rest.lstrip("@").lower()
            self.port.meet(self.current)
        elif word == ":people" and rest:
            for name in rest.replace(",", " ").split():
                self.port.meet(name.lstrip("@").lower())
        elif word == ":advance" and rest:
            try:
                delta = parse_duration(rest)
            except ValueError as exc:
                self.write(f"  ? {exc}")
                return True
            self.clock.advance(delta)
            self.write(f"  [clock] {self.clock.now():%Y-%m-%d %H:%M} UTC")
            await self.core.tick()
        elif word == ":now":
            self.write(f"  [clock] {self.clock.now():%Y-%m-%d %H:%M} UTC")
        elif word in (":quit", ":exit"):
            return False
        else:
            self.write("  ? " + HELP.replace("\n", "\n    "))
        return True

    def _print_reply(self, reply: Reply) -> None:
        who = "only you" if reply.private else "everyone"
        self.port.show(f"  → ({who}) ", "    ", reply.text, reply.buttons, reply.file)
        if reply.form:
            fields = ", ".join(f.name for f in reply.form.fields)
            self.write(f"    [form: {reply.form.title} ({fields}) → /circle {reply.form.command}]")


async def interactive(session: ConsoleSession) -> None:
    session.write(HELP)
    loop = asyncio.get_running_loop()
    while True:
        try:
            line = await loop.run_in_executor(None, input, f"{session.current}> ")
        except EOFError:
            return
        if not await session.line(line):
            return


def stdout_writer(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
