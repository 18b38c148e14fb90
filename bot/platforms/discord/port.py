"""The chat port on Discord: private circle channels, access by overwrites, posts, DMs, pins.

Every REST call goes through a ``Pacer`` (a global budget under Discord's 50 requests/s and
about 5 messages per 5 s per channel), so bursts do not run into 429s; a 429 that still comes
is waited out by discord.py. Discord's refusals become ``PlatformError`` with a neutral kind
(``kind_of``: 50013 is NO_PERMISSION, 10003 GONE, 50007 DM_CLOSED, 429 RATE_LIMITED…) and Discord's
own code, which the router turns into a clear private message; only IDs and codes are logged,
never text. Closed DMs only raise DM_CLOSED: what to do then is the core's rule.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import aiohttp
import discord
from discord.http import handle_message_parameters

from bot.core.runtime import Core
from bot.i18n import N_, translate
from bot.platforms.discord.render import (
    CONTENT_MAX,
    EMBED_MAX,
    NO_MASS_MENTIONS,
    file_for,
    nonce_for,
    split_text,
    view_for,
)
from bot.port import Access, ErrorKind, Message, PlatformError

log = logging.getLogger(__name__)

T = TypeVar("T")

P = discord.Permissions
MEMBER_VIEW_ALLOW = P(view_channel=True, read_message_history=True)
MEMBER_VIEW_DENY = P(
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    create_private_threads=True,
)
MEMBER_POST_ALLOW = P(
    view_channel=True,
    read_message_history=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
)
MEMBER_MANAGE_ALLOW = MEMBER_POST_ALLOW | P(manage_messages=True, pin_messages=True)
BOT_CHANNEL_ALLOW = MEMBER_MANAGE_ALLOW
EVERYONE_DENY = P(view_channel=True)

ROLE_OVERWRITE = 0
MEMBER_OVERWRITE = 1

CATEGORY_NAME = N_("Circles")

KINDS = {
    "50001": ErrorKind.NO_PERMISSION,  # Missing Access
    "50013": ErrorKind.NO_PERMISSION,  # Missing Permissions
    "10003": ErrorKind.GONE,  # Unknown Channel
    "10008": ErrorKind.GONE,  # Unknown Message
    "10007": ErrorKind.GONE,  # Unknown Member
    "10013": ErrorKind.GONE,  # Unknown User
    "10009": ErrorKind.GONE,  # Unknown Overwrite
    "404": ErrorKind.GONE,
    "50007": ErrorKind.DM_CLOSED,  # Cannot send messages to this user
    "429": ErrorKind.RATE_LIMITED,
    "unreachable": ErrorKind.UNREACHABLE,
    "not_ready": ErrorKind.UNREACHABLE,
}


def error(code: str, *, retry_after: float | None = None) -> PlatformError:
    """Discord's code as a ``PlatformError`` of the kind it means (OTHER when not known)."""
    return PlatformError(KINDS.get(code, ErrorKind.OTHER), code, retry_after=retry_after)


_USER_TOKEN = re.compile(r"^(?:<@!?(\d{15,22})>|@?(\d{15,22}))$")


@dataclass
class InteractionScope:
    """The person whose command is running now: their private messages wait for the reply."""

    user: str
    pending: list[Message] = field(default_factory=list)


CURRENT: contextvars.ContextVar[InteractionScope | None] = contextvars.ContextVar(
    "circlekeeper_discord_interaction", default=None
)


def overwrite(
    target: str, kind: int, allow: discord.Permissions, deny: discord.Permissions
) -> dict[str, Any]:
    return {"id": target, "type": kind, "allow": str(allow.value), "deny": str(deny.value)}


class DiscordPort:
    platform = "discord"

    def __init__(self, client: discord.Client, core: Core, pacer: Any) -> None:
        self.client = client
        self.core = core
        self.pacer = pacer
        self._dm_channels: dict[str, str] = {}
        self._categories: dict[str, str] = {}
        self._category_lock = asyncio.Lock()
        self.known_members: set[tuple[str, str]] = set()

    # -- plumbing -------------------------------------------------------------------------
    @property
    def http(self) -> Any:
        return self.client.http

    @property
    def connected(self) -> bool:
        """For ``/healthz``: the gateway session is up."""
        return self.client.is_ready() and not self.client.is_closed()

    @property
    def bot_id(self) -> str:
        user = self.client.user
        if user is None:
            raise error("not_ready")
        return str(user.id)

    async def call(
        self, action: str, fn: Callable[[], Awaitable[T]], *, key: str | None = None, ref: str = ""
    ) -> T:
        """One paced REST call; Discord's refusal becomes a ``PlatformError`` with its code."""
        await self.pacer.acquire(key)
        try:
            return await fn()
        except discord.RateLimited as exc:
            self.pacer.back_off(exc.retry_after, key)
            log.warning("discord rate limited action=%s ref=%s", action, ref)
            raise error("429", retry_after=exc.retry_after) from None
        except discord.HTTPException as exc:
            code = "429" if exc.status == 429 else str(exc.code or exc.status)
            log.warning(
                "discord refused action=%s ref=%s status=%s code=%s", action, ref, exc.status, code
            )
            raise error(code) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning(
                "discord unreachable action=%s ref=%s error=%s", action, ref, type(exc).__name__
            )
            raise error("unreachable") from None

    # -- channels and access --------------------------------------------------------------
    def _private_overwrites(self, workspace: str) -> list[dict[str, Any]]:
        return [
            overwrite(workspace, ROLE_OVERWRITE, P.none(), EVERYONE_DENY),
            overwrite(self.bot_id, MEMBER_OVERWRITE, BOT_CHANNEL_ALLOW, P.none()),
        ]

    async def _category(self, workspace: str) -> str:
        async with self._category_lock:
            if workspace in self._categories:
                return self._categories[workspace]
            name = translate(CATEGORY_NAME, self.core.settings.file.circles.language)
            guild = self.client.get_guild(int(workspace))
            found = None
            if guild is not None:
                found = next((c for c in guild.categories if c.name == name), None)
            if found is not None:
                self._categories[workspace] = str(found.id)
            else:
                data = await self.call(
                    "create_category",
                    lambda: self.http.create_channel(
                        int(workspace),
                        4,
                        name=name,
                        permission_overwrites=self._private_overwrites(workspace),
                    ),
                    ref=workspace,
                )
                self._categories[workspace] = str(data["id"])
            return self._categories[workspace]

    async def create_private_channel(self, workspace: str, name: str, topic: str) -> str:
        category = await self._category(workspace)
        data = await self.call(
            "create_channel",
            lambda: self.http.create_channel(
                int(workspace),
                0,
                name=name[:100],
                topic=topic[:1024],
                parent_id=int(category),
                permission_overwrites=self._private_overwrites(workspace),
            ),
            ref=workspace,
        )
        channel = str(data["id"])
        log.info("discord circle channel created guild=%s channel=%s", workspace, channel)
        return channel

    async def remove_channel(self, workspace: str, channel: str) -> None:
        await self.call(
            "delete_channel",
            lambda: self.http.delete_channel(int(channel), reason="circle creation undone"),
            ref=channel,
        )
        log.info("discord circle channel removed guild=%s channel=%s", workspace, channel)

    async def archive_channel(self, workspace: str, channel: str) -> None:
        """Discord has no archive: every person's overwrite becomes read-only (the bot's own
        stays), so the channel keeps its history and takes no new posts."""
        data = await self.call(
            "get_channel", lambda: self.http.get_channel(int(channel)), ref=channel
        )
        for ow in data.get("permission_overwrites", []):
            target = str(ow.get("id"))
            if int(ow.get("type", 0)) != MEMBER_OVERWRITE or target == str(self.bot_id):
                continue

            async def read_only(target: str = target) -> None:
                await self.http.edit_channel_permissions(
                    int(channel),
                    int(target),
                    str(MEMBER_VIEW_ALLOW.value),
                    str(MEMBER_VIEW_DENY.value),
                    MEMBER_OVERWRITE,
                )

            await self.call("archive", read_only, ref=channel)
        log.info("discord circle channel archived guild=%s channel=%s", workspace, channel)

    async def set_access(self, workspace: str, channel: str, user: str, access: Access) -> None:
        if access is Access.NONE:
            try:
                await self.call(
                    "revoke",
                    lambda: self.http.delete_channel_permissions(int(channel), int(user)),
                    ref=channel,
                )
            except PlatformError as err:
                if err.code != "10009":  # no overwrite to remove: already no access
                    raise
            return
        if access is Access.VIEW:
            allow, deny = MEMBER_VIEW_ALLOW, MEMBER_VIEW_DENY
        elif access is Access.POST:
            allow, deny = MEMBER_POST_ALLOW, P.none()
        else:
            allow, deny = MEMBER_MANAGE_ALLOW, P.none()
        await self.call(
            "grant",
            lambda: self.http.edit_channel_permissions(
                int(channel), int(user), str(allow.value), str(deny.value), MEMBER_OVERWRITE
            ),
            ref=channel,
        )

    # -- messages -------------------------------------------------------------------------
    async def _send(
        self, channel: str, message: Message, key: str | None, *, workspace: str | None = None
    ) -> str:
        """Post ``message``; ``workspace`` goes into button IDs (for DMs, which have no guild)."""
        text = message.text or ""
        if len(text) <= CONTENT_MAX:
            pieces: list[tuple[str | None, discord.Embed | None]] = [(text, None)]
        elif len(text) <= EMBED_MAX:
            pieces = [(None, discord.Embed(description=text))]
        else:
            pieces = [(p, None) for p in split_text(text)]
        first: str | None = None
        for i, (content, embed) in enumerate(pieces):
            last = i == len(pieces) - 1
            nonce = nonce_for(f"{key}#{i}") if key is not None else None
            view = view_for(message.buttons, timeout=None, workspace=workspace) if last else None
            file = file_for(message.file) if last else None

            async def send(
                content: str | None = content,
                embed: discord.Embed | None = embed,
                view: discord.ui.View | None = view,
                file: discord.File | None = file,
                nonce: str | None = nonce,
            ) -> Any:
                params = handle_message_parameters(
                    content=content if content else None,
                    embed=embed if embed is not None else discord.utils.MISSING,
                    view=view if view is not None else discord.utils.MISSING,
                    file=file if file is not None else discord.utils.MISSING,
                    nonce=nonce,
                    allowed_mentions=NO_MASS_MENTIONS,
                )
                try:
                    return await self.http.send_message(int(channel), params=params)
                finally:
                    if params.files:
                        for f in params.files:
                            f.close()

            data = await self.call("post", send, key=channel, ref=channel)
            first = first or str(data["id"])
        assert first is not None
        return first

    async def post(
        self, workspace: str, channel: str, message: Message, *, key: str | None = None
    ) -> str:
        return await self._send(channel, message, key)

    async def post_private(self, workspace: str, channel: str, user: str, message: Message) -> None:
        scope = CURRENT.get()
        if scope is not None and scope.user == user:
            scope.pending.append(message)  # shown as an ephemeral follow-up of their command
            return
        await self.dm(workspace, user, message)

    async def _dm_channel(self, user: str) -> str:
        if user not in self._dm_channels:
            data = await self.call(
                "open_dm", lambda: self.http.start_private_message(int(user)), ref=user
            )
            self._dm_channels[user] = str(data["id"])
        return self._dm_channels[user]

    async def dm(
        self,
        workspace: str,
        user: str,
        message: Message,
        *,
        key: str | None = None,
        retry: bool = False,
    ) -> str:
        # ``retry`` needs nothing here: the nonce from ``key`` lets Discord drop a repeat.
        channel = await self._dm_channel(user)
        return await self._send(channel, message, key, workspace=workspace)

    async def pin(self, workspace: str, channel: str, message_id: str) -> None:
        await self.call(
            "pin", lambda: self.http.pin_message(int(channel), int(message_id)), ref=channel
        )

    async def delete_message(self, workspace: str, channel: str, message_id: str) -> None:
        await self.call(
            "delete_message",
            lambda: self.http.delete_message(int(channel), int(message_id)),
            ref=channel,
        )

    # -- people and time ------------------------------------------------------------------
    async def resolve_user(self, workspace: str, token: str) -> str | None:
        match = _USER_TOKEN.match(token.strip())
        if not match:
            return None
        user = match[1] or match[2]
        if (workspace, user) in self.known_members:
            return user
        try:
            await self.call(
                "member", lambda: self.http.get_member(int(workspace), int(user)), ref=user
            )
        except PlatformError as err:
            if err.code in ("10007", "10013", "404"):
                return None
            raise
        self.known_members.add((workspace, user))
        return user

    def mention(self, user: str) -> str:
        return f"<@{user}>"

    def format_time(self, when: datetime, zone: ZoneInfo) -> str:
        # Discord shows <t:…> in each reader's own time zone and language.
        return f"<t:{int(when.timestamp())}:F>"
