"""The chat port on Discord: private circle channels, access by overwrites, posts, DMs, pins.

Every REST request of the client runs inside a ``Pacer`` slot (``pace``: a global budget of
Discord's 50 requests/s and about 5 messages per 5 s per channel, each request counted until its
answer arrives, including any retry discord.py makes inside it), so bursts do not run into 429s;
a 429 that still comes is waited out by discord.py. DM channel IDs are kept in the database
(``dm_channels``) and reused after a restart, so a DM costs one request, not two; a stale one
(10003) is dropped and reopened. Discord's refusals become ``PlatformError`` with a neutral kind
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
    embed_for,
    file_for,
    nonce_for,
    split_text,
    view_for,
)
from bot.platforms.dm_cache import DmChannels
from bot.port import Access, CalendarEvent, ErrorKind, Message, PlatformError

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
VOICE_TALK = P(connect=True, speak=True)

VOICE_CHANNEL = 2
EVENT_VOICE = 2  # never EXTERNAL (3): every server member would see an external event
EVENT_GUILD_ONLY = 2
EVENT_SCHEDULED = 1

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


def voice_access(
    allow: discord.Permissions, deny: discord.Permissions
) -> tuple[discord.Permissions, discord.Permissions]:
    """A text overwrite as the voice one: who may post may also join and speak; who may only
    read (before agreeing to the ground rules) may see the channel but not join."""
    if allow.send_messages:
        return allow | VOICE_TALK, deny
    if allow.view_channel:
        return allow, deny | VOICE_TALK
    return allow, deny


def _same(have: Any, want: Any) -> bool:
    """An event field as Discord returns it equals the one we would send."""
    if isinstance(want, str) and isinstance(have, str) and "T" in want:
        try:
            return datetime.fromisoformat(have) == datetime.fromisoformat(want)
        except ValueError:
            return have == want
    return (str(have) if have is not None else None) == (str(want) if want is not None else None)


EXEMPT = ("/interactions/", "/webhooks/")
"""Interaction answers and follow-ups: not under Discord's global limit, never held back."""
MESSAGES = "/channels/{channel_id}/messages"


def pace(client: discord.Client, pacer: Any) -> None:
    """Run every REST request this client makes inside a ``pacer`` slot.

    Not only the port's own calls: discord.py's too (command sync, fetches, its retries after a
    429, which then stay inside the slot of the request they repeat). A message post is also
    counted against its channel's budget. So nothing reaches Discord past the pacer, and the
    whole global budget can be used.
    """
    http = client.http
    if getattr(http, "_circlekeeper_paced", False):
        return
    request = http.request

    async def paced(route: discord.http.Route, **kwargs: Any) -> Any:
        if route.path.startswith(EXEMPT):
            return await request(route, **kwargs)
        key = None
        if route.method == "POST" and route.path == MESSAGES and route.channel_id is not None:
            key = str(route.channel_id)
        async with pacer.slot(key):
            return await request(route, **kwargs)

    http.request = paced  # type: ignore[method-assign]
    http._circlekeeper_paced = True  # type: ignore[attr-defined]


class DiscordPort:
    platform = "discord"

    def __init__(
        self,
        client: discord.Client,
        core: Core,
        pacer: Any,
        mentions: Callable[[str], str] = str,
    ) -> None:
        self.client = client
        self.mentions = mentions  # /circle … as command mentions (CommandMap.with_mentions)
        self.core = core
        self.pacer = pacer
        pace(client, pacer)
        self.dm_channels = DmChannels(core, self.platform)
        self._categories: dict[str, str] = {}
        self._category_lock = asyncio.Lock()
        self.known_members: set[tuple[str, str]] = set()
        self.voice_channels = core.settings.file.discord.voice_channels
        self._voice: dict[str, str] = {}  # text channel -> its voice channel
        self._voice_listed: set[str] = set()  # guilds whose channels were looked through
        self._events: dict[str, dict[str, Any]] = {}  # voice channel -> the bot's event
        self._events_listed: set[str] = set()

    # -- plumbing -------------------------------------------------------------------------
    def workspaces(self) -> set[str]:
        """The guilds this client (its token, its shards) is in: the dispatcher claims only
        their deliveries (none before the gateway is ready)."""
        if not self.client.is_ready():
            return set()
        return {str(g.id) for g in self.client.guilds}

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
        """One REST call (paced by ``pace``); Discord's refusal becomes a ``PlatformError``."""
        try:
            return await fn()
        except discord.RateLimited as exc:
            self.pacer.back_off(exc.retry_after, key)  # the channel's key, or all
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
        voice = self._voice.pop(channel, None)
        for target in (channel, voice) if voice else (channel,):
            await self.call(
                "delete_channel",
                lambda target=target: self.http.delete_channel(  # type: ignore[misc]
                    int(target), reason="circle creation undone"
                ),
                ref=target,
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
            targets = [channel]
            if self.voice_channels:
                voice = await self._voice_for(workspace, channel, create=False)
                targets += [voice] if voice is not None else []
            for target in targets:
                try:
                    await self.call(
                        "revoke",
                        lambda target=target: self.http.delete_channel_permissions(  # type: ignore[misc]
                            int(target), int(user)
                        ),
                        ref=target,
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
        if self.voice_channels:
            voice = await self._voice_for(workspace, channel, create=False)
            if voice is not None:
                v_allow, v_deny = voice_access(allow, deny)
                await self.call(
                    "grant_voice",
                    lambda: self.http.edit_channel_permissions(
                        int(voice), int(user), str(v_allow.value), str(v_deny.value), 1
                    ),
                    ref=voice,
                )

    # -- messages -------------------------------------------------------------------------
    async def _send(
        self, channel: str, message: Message, key: str | None, *, workspace: str | None = None
    ) -> str:
        """Post ``message``; ``workspace`` goes into button IDs (for DMs, which have no guild)."""
        text = self.mentions(message.text or "")
        rich = embed_for(message)
        if rich is not None:
            # The embed says it all; the content is the line a notification shows.
            pieces: list[tuple[str | None, discord.Embed | None]] = [
                (message.headline[:CONTENT_MAX], rich)
            ]
        elif len(text) <= CONTENT_MAX:
            pieces = [(text, None)]
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

    def forget_dm_channel(self, workspace: str, user: str) -> None:
        """Forget-me: the person's DM channel ID goes from memory and the database."""
        self.dm_channels.forget("", user)

    async def _dm_channel(self, user: str) -> str:
        known = await self.dm_channels.get("", user)  # a DM channel belongs to no server
        if known is not None:
            return known
        data = await self.call(
            "open_dm", lambda: self.http.start_private_message(int(user)), ref=user
        )
        channel = str(data["id"])
        self.dm_channels.keep("", user, channel)
        return channel

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
        try:
            return await self._send(channel, message, key, workspace=workspace)
        except PlatformError as err:
            if err.code != "10003":
                raise
        # No IDs: a DM may be the reply to an anonymous consult, and its timing must not name.
        log.info("discord dm channel stale; opening a new one")
        self.dm_channels.drop("", user, channel)
        channel = await self._dm_channel(user)
        return await self._send(channel, message, key, workspace=workspace)

    async def edit(self, workspace: str, channel: str, message_id: str, message: Message) -> None:
        """PATCH the message: new content, embed and buttons (files stay as they were)."""
        await self._edit(channel, message_id, message, workspace=None)

    async def edit_dm(self, workspace: str, user: str, message_id: str, message: Message) -> None:
        channel = await self._dm_channel(user)
        await self._edit(channel, message_id, message, workspace=workspace)

    async def _edit(
        self, channel: str, message_id: str, message: Message, *, workspace: str | None
    ) -> None:
        rich = embed_for(message)
        content = message.headline if rich is not None else message.text
        view = view_for(message.buttons, timeout=None, workspace=workspace)

        async def patch() -> Any:
            params = handle_message_parameters(
                content=content[:CONTENT_MAX],
                embed=rich,  # None clears an embed a structured version had
                view=view,  # None clears the buttons
                allowed_mentions=NO_MASS_MENTIONS,
            )
            if isinstance(params.payload, dict):
                params.payload.pop("tts", None)  # not a field of a message edit
            return await self.http.edit_message(int(channel), int(message_id), params=params)

        await self.call("edit", patch, key=channel, ref=channel)
        log.info("discord message edited channel=%s message=%s", channel, message_id)

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

    # -- voice channels and scheduled events (``[discord] voice_channels``) -----------------
    async def _voice_for(self, workspace: str, channel: str, *, create: bool) -> str | None:
        """The circle's voice channel: found next to its text channel (same category, same
        name) once per guild, or created with the text channel's overwrites turned into
        voice ones."""
        if channel in self._voice:
            return self._voice[channel]
        text: dict[str, Any] | None = None
        if workspace not in self._voice_listed or create:
            listed = await self.call(
                "list_channels",
                lambda: self.http.get_all_guild_channels(int(workspace)),
                ref=workspace,
            )
            by_id = {str(c["id"]): c for c in listed}
            for c in listed:
                if int(c.get("type", 0)) != VOICE_CHANNEL:
                    continue
                for t in listed:
                    if (
                        int(t.get("type", 0)) == 0
                        and t.get("name") == c.get("name")
                        and t.get("parent_id") == c.get("parent_id")
                    ):
                        self._voice.setdefault(str(t["id"]), str(c["id"]))
            self._voice_listed.add(workspace)
            text = by_id.get(channel)
            if channel in self._voice:
                return self._voice[channel]
        if not create or text is None:
            return None
        overwrites = []
        for ow in text.get("permission_overwrites") or []:
            allow, deny = P(int(ow.get("allow") or 0)), P(int(ow.get("deny") or 0))
            if str(ow["id"]) != workspace:  # @everyone keeps only its deny of view_channel
                allow, deny = voice_access(allow, deny)
            overwrites.append(overwrite(str(ow["id"]), int(ow.get("type", 0)), allow, deny))
        data = await self.call(
            "create_voice",
            lambda: self.http.create_channel(
                int(workspace),
                VOICE_CHANNEL,
                name=str(text["name"])[:100],
                parent_id=int(text["parent_id"]) if text.get("parent_id") else None,
                permission_overwrites=overwrites,
            ),
            ref=workspace,
        )
        voice = str(data["id"])
        self._voice[channel] = voice
        log.info(
            "discord voice channel created guild=%s channel=%s voice=%s", workspace, channel, voice
        )
        return voice

    async def _event_in(self, workspace: str, voice: str) -> dict[str, Any] | None:
        """The bot's own scheduled (not yet started) event in that voice channel, if any."""
        if workspace not in self._events_listed:
            listed = await self.call(
                "list_events",
                lambda: self.http.get_scheduled_events(int(workspace), False),
                ref=workspace,
            )
            for e in listed:
                if (
                    str(e.get("creator_id")) == self.bot_id
                    and e.get("channel_id") is not None
                    and int(e.get("status", 0)) == EVENT_SCHEDULED
                ):
                    self._events[str(e["channel_id"])] = e
            self._events_listed.add(workspace)
        return self._events.get(voice)

    async def show_next_meeting(
        self, workspace: str, channel: str, event: CalendarEvent | None
    ) -> None:
        """One VOICE event per circle, in its private voice channel (so only people who can
        see the channel see the event), moved to the next meeting when the schedule changes
        and after each meeting; deleted when there is no next meeting. Never EXTERNAL.

        One event per circle keeps within Discord's limit of 100 scheduled events per server
        (discord.py cannot set a ``recurrence_rule``, so the event is rolled forward)."""
        if not self.voice_channels:
            return
        voice = await self._voice_for(workspace, channel, create=event is not None)
        if voice is None:
            return
        current = await self._event_in(workspace, voice)
        if event is None:
            if current is not None:
                await self.call(
                    "delete_event",
                    lambda: self.http.delete_scheduled_event(int(workspace), int(current["id"])),
                    ref=voice,
                )
                self._events.pop(voice, None)
            return
        payload: dict[str, Any] = {
            "name": event.name[:100],
            "description": event.description[:1000] or None,
            "scheduled_start_time": event.start.isoformat(),
            "scheduled_end_time": event.end.isoformat(),
            "privacy_level": EVENT_GUILD_ONLY,
            "entity_type": EVENT_VOICE,
            "channel_id": voice,
        }
        if current is not None and all(_same(current.get(k), v) for k, v in payload.items()):
            return  # already shows this meeting
        if current is not None:
            data = await self.call(
                "edit_event",
                lambda: self.http.edit_scheduled_event(
                    int(workspace), int(current["id"]), **payload
                ),
                ref=voice,
            )
        else:
            data = await self.call(
                "create_event",
                lambda: self.http.create_guild_scheduled_event(int(workspace), **payload),
                ref=voice,
            )
        self._events[voice] = dict(data)
        log.info("discord event shown guild=%s voice=%s event=%s", workspace, voice, data["id"])

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

    def format_time(self, when: datetime, zone: ZoneInfo, lang: str) -> str:
        # Discord shows <t:…> in each reader's own time zone and language.
        return f"<t:{int(when.timestamp())}:F>"
