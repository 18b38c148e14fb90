"""Command line: ``circlekeeper run | console | migrate`` (also ``python -m bot …``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.core.clock import ManualClock
from bot.core.reminders import materialise_all
from bot.core.runtime import Core
from bot.scheduling import Scheduler, attach
from bot.wiring import build_router, start_core

log = logging.getLogger("circlekeeper")

Serve = Callable[[Core, Any], Awaitable[None]]
PLATFORMS = {"discord": "bot.platforms.discord", "slack": "bot.platforms.slack"}
"""Each platform package exposes ``async def serve(core, router)`` that runs until cancelled."""

EXTRA_COMMANDS: dict[str, str] = {"discord": "bot.platforms.discord.cli"}
"""``circlekeeper discord …``: a module with ``add_arguments(parser)`` and ``main(args)``."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="circlekeeper", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start every platform whose secrets are set (else console)")
    run.add_argument("--config", help="path to config.toml")
    con = sub.add_parser("console", help="the bot in this terminal")
    con.add_argument("--config", help="path to config.toml")
    con.add_argument("--script", help="run the lines of FILE and print the transcript")
    con.add_argument("--now", help="start the console clock at this ISO instant (default: now)")
    con.add_argument("--files", help="save files the bot sends (calendar, chart, export) here")
    mig = sub.add_parser("migrate", help="bring the database to the newest schema")
    mig.add_argument("--config", help="path to config.toml")
    for name, module in EXTRA_COMMANDS.items():
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        extra = sub.add_parser(name, help=f"{name} utilities")
        mod.add_arguments(extra)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"circlekeeper: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command in EXTRA_COMMANDS:
        mod = importlib.import_module(EXTRA_COMMANDS[args.command])
        return int(mod.main(args, settings))
    if args.command == "migrate":
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
        asyncio.run(_migrate(settings))
        return 0
    if args.command == "run" and (settings.discord_enabled or settings.slack_enabled):
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(settings))
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    start = None
    if getattr(args, "now", None):
        try:
            start = datetime.fromisoformat(args.now)
        except ValueError:
            print(
                "circlekeeper: --now must be an ISO instant like 2026-01-05T18:00+00:00",
                file=sys.stderr,
            )
            return 2
        if start.tzinfo is None:
            print("circlekeeper: --now needs a zone offset, like +00:00", file=sys.stderr)
            return 2
    lines: list[str] | None = None
    if getattr(args, "script", None):
        path = Path(args.script)
        if not path.is_file():
            print(f"circlekeeper: script {args.script!r} not found", file=sys.stderr)
            return 2
        lines = path.read_text(encoding="utf-8").splitlines()
    files = Path(args.files) if getattr(args, "files", None) else None
    return asyncio.run(_console(settings, lines, start, files))


async def _migrate(settings: Settings) -> None:
    core = await start_core(settings)
    await core.engine.dispose()
    print("database is at the newest schema")


async def _serve(settings: Settings) -> None:
    core = await start_core(settings)
    router = build_router(core)
    names = [
        n
        for n, on in (("discord", settings.discord_enabled), ("slack", settings.slack_enabled))
        if on
    ]
    serves: list[Awaitable[None]] = []
    for name in names:
        module = importlib.import_module(PLATFORMS[name])
        serves.append(module.serve(core, router))
    log.info("starting platforms=%s", ",".join(names))
    scheduler = Scheduler(core, attach(core))
    await scheduler.start()
    try:
        await asyncio.gather(*serves)
    finally:
        scheduler.stop()
        await core.engine.dispose()


async def _console(
    settings: Settings, lines: list[str] | None, start: datetime | None, files: Path | None
) -> int:
    from bot.platforms.console.port import ConsolePort
    from bot.platforms.console.session import ConsoleSession, interactive, stdout_writer

    clock = ManualClock(start)
    core = await start_core(settings, clock)
    port = ConsolePort(stdout_writer, files_dir=files)
    core.ports["console"] = port
    attach(core)
    await materialise_all(core)
    session = ConsoleSession(core, build_router(core), port, clock, stdout_writer)
    try:
        if lines is not None:
            await session.run_lines(lines)
        else:
            await interactive(session)
    finally:
        await core.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
