"""Command line: ``circlekeeper run | console | migrate | doctor | backup | restore``
(also ``python -m bot …``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.core.clock import ManualClock
from bot.core.reminders import materialise_all
from bot.core.runtime import Core
from bot.core.sealing import SecretError
from bot.ops import logs, shutdown
from bot.ops.http import OpsServer
from bot.scheduling import Scheduler, attach
from bot.wiring import build_router, start_core
from storage.startup import DatabaseProblem, hold_sqlite_lock

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
    con.add_argument(
        "--files",
        default="circlekeeper-files",
        help="save files the bot sends (calendar, chart, export) here "
        "(default: ./circlekeeper-files)",
    )
    mig = sub.add_parser("migrate", help="bring the database to the newest schema")
    mig.add_argument("--config", help="path to config.toml")
    doc = sub.add_parser("doctor", help="check configuration, database, tokens and permissions")
    doc.add_argument("--config", help="path to config.toml")
    bak = sub.add_parser("backup", help="copy the database to PATH (SQLite; PostgreSQL: pg_dump)")
    bak.add_argument("path", help="the backup file to write")
    bak.add_argument("--config", help="path to config.toml")
    res = sub.add_parser("restore", help="replace the database with a backup (stop the bot first)")
    res.add_argument("path", help="a file written by circlekeeper backup")
    res.add_argument("--yes", action="store_true", help="replace a database that holds circles")
    res.add_argument("--config", help="path to config.toml")
    for name, module in EXTRA_COMMANDS.items():
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        extra = sub.add_parser(name, help=f"{name} utilities")
        mod.add_arguments(extra)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run a command; a database or secret that cannot be used is one line, exit status 2."""
    try:
        return _main(argv)
    except (DatabaseProblem, SecretError) as exc:
        print(f"circlekeeper: {exc}", file=sys.stderr)
        return 2


def _main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "doctor":
        from bot.ops import doctor

        return doctor.main(getattr(args, "config", None))
    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"circlekeeper: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command in EXTRA_COMMANDS:
        mod = importlib.import_module(EXTRA_COMMANDS[args.command])
        return int(mod.main(args, settings))
    if args.command == "migrate":
        logs.configure(settings.file.ops.log_format)
        asyncio.run(_migrate(settings))
        return 0
    # One process per SQLite file: a second one would run a second scheduler on it (and a
    # restore must not replace the file under a running bot).
    locked = ("run", "console", "restore")
    lock = hold_sqlite_lock(settings.database.url) if args.command in locked else None
    try:
        return _start(args, settings)
    finally:
        if lock is not None:
            lock.release()


def _start(args: argparse.Namespace, settings: Settings) -> int:
    if args.command in ("backup", "restore"):
        from bot.ops import backup

        logs.configure(settings.file.ops.log_format, logging.WARNING)
        if args.command == "backup":
            return backup.backup(settings, Path(args.path))
        return backup.restore(settings, Path(args.path), replace=args.yes)
    if args.command == "run" and (settings.discord_enabled or settings.slack_enabled):
        logs.configure(settings.file.ops.log_format)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(settings))
        return 0
    logs.configure(settings.file.ops.log_format, logging.WARNING)
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
    files = Path(getattr(args, "files", None) or "circlekeeper-files")
    return asyncio.run(_console(settings, lines, start, files))


async def _migrate(settings: Settings) -> None:
    core = await start_core(settings)
    await core.engine.dispose()
    print("database is at the newest schema")


async def _serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT, then shut down in order (``bot.ops.shutdown``)."""
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
    ops_server: OpsServer | None = None
    address = settings.file.ops.address
    if address is not None:
        ops_server = OpsServer(core, names)
        await ops_server.start(*address)
    scheduler = Scheduler(core, attach(core))
    await scheduler.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    platforms: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*serves))
    waiter: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
    await asyncio.wait({platforms, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if stop.is_set():
        log.info("shutting down signal=received")
    await shutdown.run(core, scheduler, platforms, ops_server)
    if not stop.is_set():
        platforms.result()  # a platform ended by itself: say why (bad token, refused intents)


async def _console(
    settings: Settings, lines: list[str] | None, start: datetime | None, files: Path | None
) -> int:
    from bot.core.console_world import WorldStore
    from bot.platforms.console.port import ConsolePort
    from bot.platforms.console.session import (
        ConsoleSession,
        interactive,
        opening_line,
        stdout_writer,
    )

    clock = ManualClock(start)
    core = await start_core(settings, clock)
    port = ConsolePort(stdout_writer, files_dir=files, store=WorldStore(core))
    await port.load()
    core.ports["console"] = port
    attach(core)
    await materialise_all(core)
    stdout_writer(opening_line(core.engine.url.render_as_string(hide_password=True)))
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
