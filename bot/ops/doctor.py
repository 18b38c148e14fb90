"""``circlekeeper doctor``: is this deployment ready to run, and if not, what to do.

One line per check (``ok`` / ``warn`` / ``FAIL``, what was found, ``->`` what to do); the exit
status is 1 when any check fails, 2 when the configuration cannot even be read. Nothing is
changed: the database is opened, not created or migrated, and its write probe is rolled back.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from bot.config import DEFAULT_RESOURCES, ConfigError, Settings, load_settings
from bot.ops.checks import Check, Status
from storage.db import alembic_config, make_engine
from storage.repos import ops as ops_repo

MAX_SKEW_SECONDS = 30.0
DB_TIMEOUT = 10.0
PLATFORM_CHECKS = {
    "discord": "bot.platforms.discord.checks",
    "slack": "bot.platforms.slack.checks",
}


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _sqlite_missing(url: str) -> Path | None:
    """A SQLite URL whose file does not exist (connecting would create an empty one)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(str(parsed.database).removeprefix("file:").partition("?")[0])
    return None if path.is_file() else path


async def check_database(settings: Settings) -> list[Check]:
    url = settings.database.url
    parsed = make_url(url)
    path = _sqlite_missing(url)
    if path is not None:
        return [
            Check.fail(
                "database",
                f"no database file at {path}",
                "run `circlekeeper migrate` (or fix CIRCLEKEEPER_DATABASE_URL / [database] url)",
            )
        ]
    shown = parsed.render_as_string(hide_password=True)
    engine = make_engine(url)
    try:
        async with asyncio.timeout(DB_TIMEOUT), engine.connect() as conn:
            await ops_repo.ping(conn)
            out = [Check.ok("database", f"reachable ({shown})")]
            out.append(await _migrated(conn))
            if await ops_repo.revision(conn) is not None:  # the probe writes a schema table
                out.append(await _writable(conn))
            out.append(await _db_clock(conn))
            return out
    except Exception as exc:
        return [
            Check.fail(
                "database",
                f"cannot connect to {shown} ({_cause(exc)})",
                "is the database server running and the URL right? "
                "(CIRCLEKEEPER_DATABASE_URL or [database] url)",
            )
        ]
    finally:
        await engine.dispose()


async def _migrated(conn: Any) -> Check:
    head = head_revision()
    current = await ops_repo.revision(conn)
    if current == head:
        return Check.ok("database schema", f"at the newest revision {head}")
    scripts = ScriptDirectory.from_config(alembic_config())
    known = current is not None and scripts.get_revision(current) is not None
    if current is None:
        detail = "not migrated (no circlekeeper tables)"
    elif not known:
        return Check.fail(
            "database schema",
            f"at {current}, which this version does not know (a newer circlekeeper wrote it)",
            "run the newer circlekeeper, or restore a backup made by this version",
        )
    else:
        detail = f"at {current}, the newest is {head}"
    return Check.fail("database schema", detail, "run `circlekeeper migrate`")


async def _writable(conn: Any) -> Check:
    try:
        await ops_repo.probe_write(conn)
    except Exception as exc:
        await conn.rollback()
        return Check.fail(
            "database writes",
            f"refused ({_cause(exc)})",
            "give the bot's user write access (file and directory permissions on SQLite; "
            "grants on PostgreSQL)",
        )
    await conn.rollback()
    return Check.ok("database writes", "accepted (probe rolled back)")


async def _db_clock(conn: Any) -> Check:
    stamp = await ops_repo.database_now(conn)
    if stamp is None:
        return Check.ok("database clock", "SQLite uses this machine's clock")
    return clock_check("database clock", datetime.fromisoformat(stamp), datetime.now(UTC))


def _cause(exc: BaseException) -> str:
    """The driver's own error class names the problem best (InvalidCatalogNameError, …)."""
    inner: BaseException = getattr(exc, "orig", None) or exc
    while inner.__cause__ is not None:
        inner = inner.__cause__
    return type(inner).__name__


def clock_check(name: str, reference: datetime, local: datetime) -> Check:
    """Reminders are due at exact instants and Slack refuses requests signed more than five
    minutes off; a clock off by more than ``MAX_SKEW_SECONDS`` is a failure."""
    skew = (local - reference).total_seconds()
    if abs(skew) > MAX_SKEW_SECONDS:
        return Check.fail(
            name,
            f"this machine's clock is {skew:+.0f} s off",
            "turn on time synchronisation (e.g. `timedatectl set-ntp true`, or chrony)",
        )
    return Check.ok(name, f"within {MAX_SKEW_SECONDS:.0f} s ({skew:+.1f} s)")


def check_zones() -> Check:
    try:
        ZoneInfo("America/Los_Angeles")
        ZoneInfo("Europe/Madrid")
    except ZoneInfoNotFoundError:
        return Check.fail(
            "time zones",
            "the IANA time zone database is missing",
            "reinstall circlekeeper (it depends on tzdata) or install the system tzdata",
        )
    return Check.ok("time zones", "IANA database available")


def check_resources(settings: Settings) -> Check:
    resources = settings.file.resources
    if not resources:
        return Check.fail(
            "crisis resources",
            "none configured: /circle resources would show nothing",
            "add [[resources]] entries (name, contact, region) to config.toml",
        )
    blank = [i for i, r in enumerate(resources, 1) if not r.name.strip() or not r.contact.strip()]
    if blank:
        return Check.fail(
            "crisis resources",
            "entries without a name or contact: " + ", ".join(f"#{i}" for i in blank),
            "give every [[resources]] entry a name and a contact",
        )
    if [r.model_dump() for r in resources] == [r.model_dump() for r in DEFAULT_RESOURCES]:
        return Check.warn(
            "crisis resources",
            "the defaults (US lines and an international directory)",
            "if your members are elsewhere, list your region's lines as [[resources]]",
        )
    return Check.ok("crisis resources", f"{len(resources)} configured")


async def check_platforms(settings: Settings) -> tuple[list[Check], list[datetime]]:
    enabled = [
        n
        for n, on in (("discord", settings.discord_enabled), ("slack", settings.slack_enabled))
        if on
    ]
    if not enabled:
        return [
            Check.warn(
                "platforms",
                "no DISCORD_TOKEN or SLACK_BOT_TOKEN / SLACK_CLIENT_ID: `run` starts the console",
                "set the tokens in the environment (see README, Running on Discord / Slack)",
            )
        ], []
    out: list[Check] = []
    dates: list[datetime] = []
    for name in enabled:
        module = importlib.import_module(PLATFORM_CHECKS[name])
        found, stamps = await module.checks(settings)
        out.extend(found)
        dates.extend(stamps)
    return out, dates


async def run_checks(settings: Settings, now: Callable[[], datetime] | None = None) -> list[Check]:
    clock = now or (lambda: datetime.now(UTC))
    where = str(settings.path) if settings.path else "defaults (no config.toml)"
    out = [Check.ok("config", f"valid ({where})")]
    out.extend(await check_database(settings))
    platforms, dates = await check_platforms(settings)
    out.extend(platforms)
    if dates:
        out.append(clock_check("clock", max(dates), clock()))
    else:
        out.append(Check.ok("clock", "no platform to compare with; keep NTP on"))
    out.append(check_zones())
    out.append(check_resources(settings))
    return out


def main(config: str | None = None) -> int:
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        print(Check.fail("config", str(exc), "fix that key (see config.example.toml)").line())
        return 2
    results = asyncio.run(run_checks(settings))
    for check in results:
        print(check.line())
    failed = sum(c.status is Status.FAIL for c in results)
    print(f"{len(results)} checks, {failed} failed" + ("" if failed else ": ready to run"))
    sys.stdout.flush()
    return 1 if failed else 0
