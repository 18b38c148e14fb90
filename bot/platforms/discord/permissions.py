"""What the bot needs in a Discord server: intents, permissions, and the invite URL.

Intents: only ``GUILDS``. It delivers the server, its roles and channels (GUILD_CREATE and
CHANNEL_* updates), which the bot needs to check its own permissions at start-up and to find
its category. Interactions (slash commands, buttons, modals, autocomplete) arrive without any
intent. The bot never reads what people write, so it asks for no message-content intent, no
message events, and no member list (people are resolved from interactions or one REST lookup).

Permissions, each for one reason:

* View Channels, Send Messages, Read Message History, Embed Links, Attach Files: post
  reminders, prompts and the ground rules (long ones as an embed), upload charts and .ics files.
* Manage Channels: create the circles' category and private channels.
* Manage Roles ("Manage Permissions" on a channel): set the per-person overwrites that give and
  take access to a circle channel.
* Manage Messages and Pin Messages: pin the ground rules, and let leaders manage messages in
  their channel (Discord only lets a bot grant what it has itself).
* Send Messages in Threads, Create Public Threads, Create Private Threads: so that the bot may
  deny them to members who have not yet agreed to the ground rules (same reason).
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import discord

INTENTS = discord.Intents.none()
INTENTS.guilds = True


def intents(*, members: bool = False) -> discord.Intents:
    """Guilds only; with ``members`` (DISCORD_MEMBERS_INTENT, privileged: enable "Server Members
    Intent" in the developer portal) also member events, to forget people who leave."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.members = members
    return chosen


REQUIRED = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    manage_channels=True,
    manage_roles=True,
    manage_messages=True,
    pin_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    create_private_threads=True,
)

VOICE = discord.Permissions(connect=True, speak=True, create_events=True)
"""Also needed with ``[discord] voice_channels``: to open the voice channels to members and
to show the next meeting as a scheduled event there."""


def required(voice_channels: bool = False) -> discord.Permissions:
    return REQUIRED | VOICE if voice_channels else REQUIRED


AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")


def missing(have: discord.Permissions, voice_channels: bool = False) -> list[str]:
    """The names (as Discord's API spells them, upper case) of required permissions not held."""
    if have.administrator:
        return []
    wanted = required(voice_channels)
    return sorted(name.upper() for name, needed in wanted if needed and not getattr(have, name))


def invite_url(client_id: str, *, guild_id: str | None = None, voice_channels: bool = False) -> str:
    params = {
        "client_id": client_id,
        "scope": " ".join(SCOPES),
        "permissions": str(required(voice_channels).value),
        "integration_type": "0",
    }
    if guild_id:
        params["guild_id"] = guild_id
        params["disable_guild_select"] = "true"
    return f"{AUTHORIZE_URL}?{urlencode(params)}"


def client_id_from_token(token: str) -> str | None:
    """A bot token starts with its user ID in base64; for bots that is the application ID."""
    first = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return decoded if decoded.isdigit() else None
