"""``circlekeeper doctor`` for Slack: the tokens work and the bot token has its scopes.

``auth.test`` with the bot token names the workspace; Slack reports the token's scopes in the
``x-oauth-scopes`` header of every answer, compared here with ``scopes.BOT_SCOPES``. Socket Mode
also asks for one connection URL with the app token (not opened). OAuth mode has no token to
test here; each workspace's token is checked when it installs.
"""

from __future__ import annotations

import asyncio
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.ops.checks import Check
from bot.platforms.slack.port import DEFAULT_BASE_URL, make_client
from bot.platforms.slack.scopes import BOT_SCOPES

TIMEOUT = 15.0
REINSTALL = (
    "add them under OAuth & Permissions (or recreate the app from slack-manifest.yml), "
    "then reinstall the app to the workspace"
)


async def checks(settings: Settings) -> tuple[list[Check], list[Any]]:
    """The lines for Slack, and the ``Date`` headers Slack answered with (for the clock)."""
    env = settings.env
    base = env.SLACK_API_BASE_URL or DEFAULT_BASE_URL
    out: list[Check] = []
    dates: list[Any] = []
    if not env.SLACK_BOT_TOKEN:
        out.append(
            Check.ok(
                "slack oauth",
                "many workspaces through OAuth (SLACK_CLIENT_ID); installs are kept in the "
                "database",
            )
        )
        return out, dates
    try:
        async with asyncio.timeout(TIMEOUT):
            out.extend(await _bot_token(make_client(base, env.SLACK_BOT_TOKEN), dates))
            if env.SLACK_SOCKET_MODE and env.SLACK_APP_TOKEN:
                out.append(await _app_token(make_client(base, env.SLACK_APP_TOKEN)))
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        out.append(
            Check.fail(
                "slack api",
                f"no answer from {base} ({type(exc).__name__})",
                "check the network, or SLACK_API_BASE_URL if it is set",
            )
        )
    return out, dates


async def _bot_token(client: AsyncWebClient, dates: list[Any]) -> list[Check]:
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        code = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        return [
            Check.fail(
                "slack token",
                f"Slack refused SLACK_BOT_TOKEN ({code or exc.response.status_code})",
                "copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions",
            )
        ]
    headers = {k.lower(): v for k, v in (auth.headers or {}).items()}
    stamp = _first(headers.get("date"))
    if stamp:
        dates.append(parsedate_to_datetime(stamp))
    out = [Check.ok("slack token", f"workspace {auth['team_id']}, bot user {auth['user_id']}")]
    raw = _first(headers.get("x-oauth-scopes"))
    if raw is None:
        out.append(
            Check.warn("slack scopes", "Slack did not report the token's scopes", "compare by hand")
        )
        return out
    have = {s.strip() for s in raw.split(",") if s.strip()}
    lacking = [s for s in BOT_SCOPES if s not in have]
    if lacking:
        out.append(Check.fail("slack scopes", "missing " + ", ".join(lacking), REINSTALL))
    else:
        out.append(Check.ok("slack scopes", "all " + str(len(BOT_SCOPES)) + " scopes granted"))
    return out


async def _app_token(client: AsyncWebClient) -> Check:
    try:
        await client.apps_connections_open(app_token=client.token or "")
    except SlackApiError as exc:
        code = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        return Check.fail(
            "slack socket mode",
            f"Slack refused SLACK_APP_TOKEN ({code})",
            "create an app-level token with connections:write (xapp-…) under Basic Information",
        )
    return Check.ok("slack socket mode", "app token accepted")


def _first(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        return str(value[0]) if value else None
    return None if value is None else str(value)
