"""``circlekeeper doctor`` against the fakes (real discord.py and slack_sdk over loopback): a good
set-up passes every check; each broken one fails the right check and says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import Environment, FileSettings, Settings
from bot.ops.checks import Status
from bot.ops.doctor import run_checks
from bot.platforms.discord.permissions import REQUIRED
from bot.wiring import start_core
from tests.fakes.discord import FakeDiscord, P
from tests.fakes.slack import DEFAULT_BOT_SCOPES, FakeSlack

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = [{"name": "Línea de la Vida", "contact": "800 911 2000", "region": "MX"}]


def settings(db_url: str, resources: Any = RESOURCES, **env: Any) -> Settings:
    return Settings(
        file=FileSettings.model_validate({"resources": resources}),
        env=Environment(CIRCLEKEEPER_DATABASE_URL=db_url, **env),
    )


async def migrated(db_url: str) -> str:
    core = await start_core(settings(db_url))
    await core.engine.dispose()
    return db_url


def by_name(lines: list[Any]) -> dict[str, Any]:
    return {c.name: c for c in lines}


def platforms_env(discord: FakeDiscord, slack: FakeSlack, **over: Any) -> dict[str, Any]:
    env = {
        "DISCORD_TOKEN": discord.token,
        "DISCORD_API_BASE_URL": discord.api_base,
        "DISCORD_GUILD_ID": discord.guild_id,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_BASE_URL": slack.base_url,
    }
    env.update(over)
    return env


async def test_a_good_set_up_passes_every_check(db_url: str) -> None:
    await migrated(db_url)
    async with FakeDiscord(bot_permissions=REQUIRED.value) as discord, FakeSlack() as slack:
        checks = await run_checks(settings(db_url, **platforms_env(discord, slack)))
    lines = [c.line() for c in checks]
    assert [x for x in lines if not x.startswith("ok ")] == []
    got = by_name(checks)
    assert got["database schema"].detail.startswith("at the newest revision")
    assert got["database writes"].detail == "accepted (probe rolled back)"
    assert got[f"discord server {discord.guild_id}"].detail == "permissions ok"
    assert got["discord token"].detail == f"bot user {discord.bot_user_id}"
    assert got["slack scopes"].detail == "all 8 scopes granted"
    assert got["clock"].detail.startswith("within 30 s")
    assert got["crisis resources"].detail == "1 configured"


async def test_broken_platforms_name_what_is_wrong_and_what_to_do(db_url: str) -> None:
    await migrated(db_url)
    lacking = REQUIRED.value & ~P.MANAGE_ROLES & ~P.PIN_MESSAGES
    async with FakeDiscord(bot_permissions=lacking) as discord, FakeSlack() as slack:
        slack.team.scopes = DEFAULT_BOT_SCOPES - {"pins:write"}
        checks = by_name(await run_checks(settings(db_url, **platforms_env(discord, slack))))
        server = checks[f"discord server {discord.guild_id}"]
        assert server.status is Status.FAIL
        assert server.detail == "missing permissions MANAGE_ROLES, PIN_MESSAGES"
        assert "circlekeeper discord invite-url" in server.fix
        scopes = checks["slack scopes"]
        assert (scopes.status, scopes.detail) == (Status.FAIL, "missing pins:write")
        assert "reinstall" in scopes.fix

        wrong = platforms_env(
            discord, slack, DISCORD_TOKEN="not-the-token", SLACK_BOT_TOKEN="xoxb-wrong"
        )
        checks = by_name(await run_checks(settings(db_url, **wrong)))
        assert checks["discord token"].status is Status.FAIL
        assert checks["discord token"].detail == "Discord refused DISCORD_TOKEN (401)"
        assert checks["slack token"].status is Status.FAIL
        assert checks["slack token"].detail == "Slack refused SLACK_BOT_TOKEN (invalid_auth)"

        socket = platforms_env(discord, slack, SLACK_SOCKET_MODE="1", SLACK_APP_TOKEN="xapp-1-x")
        checks = by_name(await run_checks(settings(db_url, **socket)))
        assert checks["slack socket mode"].status is Status.FAIL
        assert "connections:write" in checks["slack socket mode"].fix
        socket["SLACK_APP_TOKEN"] = slack.app_token
        checks = by_name(await run_checks(settings(db_url, **socket)))
        assert checks["slack socket mode"].status is Status.OK

        other = platforms_env(discord, slack, DISCORD_GUILD_ID="1234567890")
        checks = by_name(await run_checks(settings(db_url, **other)))
        assert checks["discord servers"].status is Status.FAIL
        assert "DISCORD_GUILD_ID 1234567890 is not a server" in checks["discord servers"].detail


async def test_broken_database_clock_and_resources(tmp_path: Path) -> None:
    missing = f"sqlite+aiosqlite:///{tmp_path}/nothing-here.db"
    checks = by_name(await run_checks(settings(missing)))
    assert checks["database"].status is Status.FAIL
    assert "run `circlekeeper migrate`" in checks["database"].fix
    assert not (tmp_path / "nothing-here.db").exists()  # doctor creates nothing

    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    checks = by_name(await run_checks(settings(f"sqlite+aiosqlite:///{empty}")))
    assert checks["database schema"].status is Status.FAIL
    assert checks["database schema"].detail == "not migrated (no circlekeeper tables)"

    url = await migrated(f"sqlite+aiosqlite:///{tmp_path}/ck.db")
    read_only = f"sqlite+aiosqlite:///file:{tmp_path}/ck.db?mode=ro&uri=true"
    checks = by_name(await run_checks(settings(read_only)))
    assert checks["database"].status is Status.OK
    assert checks["database writes"].status is Status.FAIL
    assert "write access" in checks["database writes"].fix

    checks = by_name(await run_checks(settings(url, resources=[])))
    assert checks["crisis resources"].status is Status.FAIL
    checks = by_name(await run_checks(settings(url, resources=[{"name": "x", "contact": " "}])))
    assert checks["crisis resources"].detail == "entries without a name or contact: #1"
    defaults = Settings(file=FileSettings(), env=Environment(CIRCLEKEEPER_DATABASE_URL=url))
    checks = by_name(await run_checks(defaults))
    assert checks["crisis resources"].status is Status.WARN

    async with FakeSlack() as slack:
        env = {"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": "s"}
        env["SLACK_API_BASE_URL"] = slack.base_url
        late = datetime.now(UTC) + timedelta(minutes=3)
        checks = by_name(await run_checks(settings(url, **env), now=lambda: late))
    assert checks["clock"].status is Status.FAIL
    assert checks["clock"].detail.startswith("this machine's clock is +18")
    assert "set-ntp" in checks["clock"].fix


def doctor(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "CIRCLEKEEPER_CONFIG"):
        full.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**full, "PYTHONPATH": str(ROOT)},
    )


def test_exit_status_one_line_per_check(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[ops]\nlisten = 9090\n")
    result = doctor(tmp_path, "--config", str(bad))
    assert result.returncode == 2
    assert result.stdout.startswith("FAIL config: ") and "ops.listen" in result.stdout

    db = f"sqlite+aiosqlite:///{tmp_path}/ck.db"
    result = doctor(tmp_path, CIRCLEKEEPER_DATABASE_URL=db)
    assert result.returncode == 1, result.stdout
    assert "FAIL database: no database file at" in result.stdout

    subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        env={**os.environ, "CIRCLEKEEPER_DATABASE_URL": db},
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=True,
    )
    result = doctor(tmp_path, CIRCLEKEEPER_DATABASE_URL=db)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert all(line.startswith(("ok ", "warn ")) for line in lines[:-1]), lines
    assert lines[-1].endswith("0 failed: ready to run")
