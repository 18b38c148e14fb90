"""``circlekeeper doctor`` for Discord: the token works, and the bot holds what it needs.

Uses discord.py's own HTTP client against ``DISCORD_API_BASE_URL`` (REST only, no gateway), so
it checks exactly what ``run`` would use. Each server's permissions come from
``GET /users/@me/guilds`` (the bot's effective server permissions) and are compared with
``permissions.REQUIRED``.
"""

from __future__ import annotations

import asyncio
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import discord
import discord.http

from bot.config import Settings
from bot.ops.checks import Check
from bot.platforms.discord import permissions
from bot.platforms.discord.app import DiscordConfig, apply_endpoints

TIMEOUT = 15.0
REINVITE = "re-invite the bot with the link from `circlekeeper discord invite-url`"


async def checks(settings: Settings) -> tuple[list[Check], list[Any]]:
    """The lines for Discord, and the ``Date`` headers Discord answered with (for the clock)."""
    env = settings.env
    assert env.DISCORD_TOKEN
    config = DiscordConfig(
        token=env.DISCORD_TOKEN,
        api_base=env.DISCORD_API_BASE_URL,
        gateway_url=env.DISCORD_GATEWAY_URL,
        guild_id=env.DISCORD_GUILD_ID,
    )
    apply_endpoints(config)
    dates: list[Any] = []

    async def on_end(_s: Any, _c: Any, params: aiohttp.TraceRequestEndParams) -> None:
        stamp = params.response.headers.get("Date")
        if stamp:
            dates.append(parsedate_to_datetime(stamp))

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    http = discord.http.HTTPClient(asyncio.get_running_loop(), http_trace=trace)
    out: list[Check] = []
    try:
        async with asyncio.timeout(TIMEOUT):
            try:
                me = await http.static_login(config.token)
            except discord.LoginFailure:
                out.append(
                    Check.fail(
                        "discord token",
                        "Discord refused DISCORD_TOKEN (401)",
                        "copy the bot token again from the developer portal (Bot, Reset Token)",
                    )
                )
                return out, dates
            out.append(Check.ok("discord token", f"bot user {me['id']}"))
            guilds = await http.get_guilds(200)
            out.extend(_guild_checks(guilds, config.guild_id))
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
        out.append(
            Check.fail(
                "discord api",
                f"no answer from {discord.http.Route.BASE} ({type(exc).__name__})",
                "check the network, or DISCORD_API_BASE_URL if it is set",
            )
        )
    finally:
        await http.close()
    return out, dates


def _guild_checks(guilds: list[Any], wanted: str | None) -> list[Check]:
    if not guilds:
        return [Check.fail("discord servers", "the bot is in no server", REINVITE)]
    out: list[Check] = []
    ids = [str(g["id"]) for g in guilds]
    if wanted and wanted not in ids:
        out.append(
            Check.fail(
                "discord servers",
                f"DISCORD_GUILD_ID {wanted} is not a server the bot is in",
                f"{REINVITE} --guild-id {wanted}, or correct DISCORD_GUILD_ID",
            )
        )
    for guild in guilds:
        gid = str(guild["id"])
        lacking = permissions.missing(discord.Permissions(int(guild.get("permissions") or 0)))
        if lacking:
            out.append(
                Check.fail(
                    f"discord server {gid}",
                    "missing permissions " + ", ".join(lacking),
                    f"give the bot's role those permissions, or {REINVITE}",
                )
            )
        else:
            out.append(Check.ok(f"discord server {gid}", "permissions ok"))
    return out
