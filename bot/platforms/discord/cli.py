"""``circlekeeper discord invite-url``: the link that adds the bot with exactly its permissions."""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="discord_command", required=True)
    invite = sub.add_parser(
        "invite-url",
        help="print the OAuth2 URL that adds the bot with the permissions it needs",
    )
    invite.add_argument(
        "--client-id",
        help="the application's ID (default: read from DISCORD_TOKEN)",
    )
    invite.add_argument("--guild-id", help="preselect this server")
    invite.add_argument("--config", help="path to config.toml")


def main(args: argparse.Namespace, settings: Settings) -> int:
    if args.discord_command != "invite-url":
        return 2
    # discord.py only now: ``add_arguments`` runs for every ``circlekeeper`` command line.
    from bot.platforms.discord.permissions import client_id_from_token, invite_url

    client_id = args.client_id or (
        client_id_from_token(settings.env.DISCORD_TOKEN) if settings.env.DISCORD_TOKEN else None
    )
    if not client_id or not str(client_id).isdigit():
        print(
            "circlekeeper: give --client-id (the application ID from the Discord developer "
            "portal) or set DISCORD_TOKEN",
            file=sys.stderr,
        )
        return 2
    guild = args.guild_id or settings.env.DISCORD_GUILD_ID
    voice = settings.file.discord.voice_channels
    print(invite_url(str(client_id), guild_id=guild, voice_channels=voice))
    return 0
