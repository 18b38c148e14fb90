"""Reads console lines (``name: /circle …`` or a directive) and prints the transcript.

``name: /circle …`` acts once as that person; ``/circle …`` acts as the current person, whom
``:as name`` changes. ``:advance 17h`` walks the clock through every delivery that falls due on
the way, in time order, so each reminder goes out at its own time.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.commands.context import Invocation
from bot.commands.reply import Reply
from bot.commands.router import Router
from bot.core.clock import ManualClock
from bot.core.durations import parse_duration
from bot.core.runtime import Core
from bot.platforms.console.port import ConsolePort

_LINE = re.compile(r"^([a-z][a-z0-9_.-]{0,31})\s*:\s*(/circle\b.*)$", re.IGNORECASE)
HELP = (
    "Lines: 'name: /circle …' acts once as that person (any plain name is a person); "
    "'/circle …' acts as the current person.\n"
    "Directives: ':as name' (change the current person), ':advance 2h' (move the clock, running "
    "everything that falls due on the way), ':offline 2h' (as if the bot had been down), ':now', "
    "':help', ':quit'. Try /circle help."
)
MAX_STEPS = 10_000
"""``:advance`` stops walking after this many due times (a runaway retry cannot hang it)."""


def opening_line(database: str) -> str:
    """What the console says first: that it is the console, its database, how to get help."""
    return (
        f"circlekeeper console (a chat platform in this terminal). Database: {database}. "
        "Type :help for how it works, /circle help for the commands."
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
            port.meet(name, announce=False)

    async def run_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line.rstrip("\n"))
            if not await self.line(line):
                break

    async def line(self, raw: str) -> bool:
        """Handle one line; False means quit. What changed in the console's world is saved."""
        try:
            return await self._line(raw)
        finally:
            await self.port.save()

    async def _line(self, raw: str) -> bool:
        text = raw.strip()
        if not text or text.startswith("#"):
            return True
        if text.startswith(":"):
            return await self._directive(text)
        match = _LINE.match(text)
        if match:
            who, command = match[1].lower(), match[2]  # once: the current person stays
        elif text.lower().startswith("/circle"):
            who, command = self.current, text
        else:
            self.write("  ? " + HELP.replace("\n", "\n    "))
            return True
        self.port.meet(who)
        inv = Invocation("console", ConsolePort.workspace, who)
        self._print_reply((await self.router.run_text(inv, command)).reply)
        return True

    async def _directive(self, text: str) -> bool:
        word, _, rest = text.partition(" ")
        rest = rest.strip()
        if word == ":as" and rest:
            name = rest.lstrip("@").lower()
            if not self.port.valid_name(name):
                self.write("  ? a person is a plain name: a letter, then letters, digits, . _ -")
                return True
            self.current = name
            self.port.meet(name)
        elif word == ":people" and rest:  # not needed (any name is a person); kept for scripts
            for name in rest.replace(",", " ").split():
                if self.port.valid_name(name.lstrip("@").lower()):
                    self.port.meet(name.lstrip("@").lower())
        elif word in (":advance", ":offline") and rest:
            try:
                delta = parse_duration(rest)
            except ValueError as exc:
                self.write(f"  ? {exc}")
                return True
            if word == ":advance":
                await self.advance(self.clock.now() + delta)
            else:  # the bot was down: the clock jumps, then it catches up once
                self.clock.advance(delta)
                self.write(f"  [clock] {self.clock.now():%Y-%m-%d %H:%M} UTC (back online)")
                await self.core.tick()
        elif word == ":help":
            self.write("  " + HELP.replace("\n", "\n  "))
        elif word == ":now":
            self.write(f"  [clock] {self.clock.now():%Y-%m-%d %H:%M} UTC")
        elif word in (":quit", ":exit"):
            return False
        else:
            self.write("  ? " + HELP.replace("\n", "\n    "))
        return True

    async def advance(self, target: datetime) -> None:
        """Move the clock to ``target``, stopping at each time a delivery falls due on the way
        (in time order), so a reminder due an hour before a meeting goes out then, not at the
        end. Deliveries are planned a horizon ahead, so long jumps also stop every half horizon.
        """
        dispatcher = self.core.dispatcher
        horizon = timedelta(days=self.core.settings.file.scheduler.horizon_days)
        stride = max(horizon / 2, timedelta(hours=1))
        await self.core.tick()  # anything already due
        for _ in range(MAX_STEPS):
            now = self.clock.now()
            if now >= target:
                break
            due = await dispatcher.next_due() if dispatcher is not None else None
            step = min(target, now + stride)
            if due is not None and now < due < step:
                step = due
            self.clock.set(step)
            if step in (target, due):
                self.write(f"  [clock] {step:%Y-%m-%d %H:%M} UTC")
            await self.core.tick()
        else:
            self.clock.set(target)
            self.write(f"  [clock] {target:%Y-%m-%d %H:%M} UTC")
            await self.core.tick()

    def _print_reply(self, reply: Reply) -> None:
        who = "only you" if reply.private else "everyone"
        self.port.show(f"  → ({who}) ", "    ", reply.text, reply.buttons, reply.file)
        if reply.form:
            fields = ", ".join(f.name for f in reply.form.fields)
            self.write(f"    [form: {reply.form.title} ({fields}) → /circle {reply.form.command}]")


async def interactive(session: ConsoleSession) -> None:
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
