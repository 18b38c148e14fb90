"""The chat port on Slack: private channels, invite/kick, posts, ephemeral, DMs, pins, files.

Slack cannot stop one member of a channel from posting, so a person is *in* a circle channel only
with POST access or more (after agreeing to the ground rules); VIEW and NONE keep them out.

Every client built here points at ``SLACK_API_BASE_URL`` and retries 429s (after Retry-After)
and 5xx answers. Posts are paced per channel (about one message a second, Slack's limit) and
overall, each inside a ``Pacer`` slot (counted until Slack answered, retries included). DM
channel IDs are kept in the database (``dm_channels``) and reused after a restart, so a DM does
not cost a ``conversations.open`` (Tier 3: about 50 a minute) each time; a stale one
(``channel_not_found``) is dropped and opened again.

Idempotency: a keyed delivery carries message metadata ``circlekeeper_delivery {key}``.

- In one process a key already sent is answered from memory, without posting again.
- A keyed **DM** that is a retry (the ledger says so with ``retry=True``: its row was attempted
  before, i.e. a lease was lost; or Slack answered 5xx) first looks in the DM's recent history
  (``im:history``) for a message with that key and returns it instead of posting again.
- A keyed **channel** post cannot be checked: the app has no history scope for circle channels,
  on purpose. If a process dies after Slack accepted a channel post and before the ledger
  recorded the receipt, or Slack answers 5xx after posting, the retry may post a second copy.
  The metadata still marks both copies with the same key.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.pacing import Pacer
from bot.core.runtime import Core
from bot.i18n import format_when
from bot.ops import metrics
from bot.platforms.dm_cache import DmChannels
from bot.platforms.slack import render
from bot.port import Access, Attachment, CalendarEvent, ErrorKind, Message, PlatformError

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://slack.com/api/"
METADATA_EVENT = "circlekeeper_delivery"
CHANNEL_NAME_LIMIT = 80
TOPIC_LIMIT = 250
KEY_LOOKBACK_SECONDS = 3 * 24 * 3600
USER_CACHE_SECONDS = 600
KEY_LOOKBACK_MESSAGES = 15  # Slack's per-call limit for conversations.history of newer apps
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")
_PLAIN_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

TokenLookup = Callable[[str], Awaitable[str | None]]


class _CountingRateLimitHandler(AsyncRateLimitErrorRetryHandler):
    """Waits out a 429 like slack_sdk's own handler, and counts it for ``/metrics``."""

    async def can_retry_async(self, **kwargs: Any) -> bool:
        response = kwargs.get("response")
        if response is not None and response.status_code == 429:
            metrics.rate_limited("slack")
        return bool(await super().can_retry_async(**kwargs))


def retry_handlers(*, server_errors: bool = True) -> list[AsyncRetryHandler]:
    handlers: list[AsyncRetryHandler] = [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        _CountingRateLimitHandler(max_retry_count=3),
    ]
    if server_errors:
        handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return handlers


def make_client(
    base_url: str,
    token: str | None = None,
    *,
    server_errors: bool = True,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """The only way this adapter builds a Web API client: base URL and retry handlers set.

    Without ``session`` slack_sdk opens a new aiohttp session (and connection) per call."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        retry_handlers=retry_handlers(server_errors=server_errors),
        session=session,
    )


KINDS = {
    "cannot_dm_bot": ErrorKind.DM_CLOSED,
    "messages_tab_disabled": ErrorKind.DM_CLOSED,
    "not_in_channel": ErrorKind.NO_PERMISSION,
    "missing_scope": ErrorKind.NO_PERMISSION,
    "restricted_action": ErrorKind.NO_PERMISSION,
    "not_authed": ErrorKind.NO_PERMISSION,
    "invalid_auth": ErrorKind.NO_PERMISSION,
    "not_installed": ErrorKind.NO_PERMISSION,
    "channel_not_found": ErrorKind.GONE,
    "is_archived": ErrorKind.GONE,
    "message_not_found": ErrorKind.GONE,
    "user_not_found": ErrorKind.GONE,
    "users_not_found": ErrorKind.GONE,
    "not_allowed_token_type": ErrorKind.UNSUPPORTED,
    "method_deprecated": ErrorKind.UNSUPPORTED,
    "ratelimited": ErrorKind.RATE_LIMITED,
    "429": ErrorKind.RATE_LIMITED,
}


def error(code: str, *, retry_after: float | None = None) -> PlatformError:
    """Slack's error code as a ``PlatformError`` of the kind it means (OTHER when not known)."""
    kind = KINDS.get(code)
    if kind is None:
        kind = ErrorKind.UNREACHABLE if code.startswith("http_5") else ErrorKind.OTHER
    return PlatformError(kind, code, retry_after=retry_after)


def platform_error(exc: SlackApiError) -> PlatformError:
    response = exc.response
    if response.status_code == 429:
        retry = response.headers.get("Retry-After") if response.headers else None
        return error("429", retry_after=float(retry) if retry else None)
    code = response.get("error") if isinstance(response.data, dict) else None
    return error(str(code or f"http_{response.status_code}"))


class Clients:
    """A bot-token client per workspace, from one token or from the installation store."""

    def __init__(self, base_url: str, lookup: TokenLookup) -> None:
        self.base_url = base_url
        self._lookup = lookup
        self._clients: dict[tuple[str, bool], AsyncWebClient] = {}
        self._session: aiohttp.ClientSession | None = None

    async def get(self, workspace: str, *, server_errors: bool = True) -> AsyncWebClient:
        token = await self._lookup(workspace)
        if token is None:
            raise error("not_installed")
        if self._session is None or self._session.closed:
            # One session for every client: kept-alive connections, not a handshake per call.
            self._session = aiohttp.ClientSession()
            self._clients.clear()
        cache_key = (token, server_errors)
        client = self._clients.get(cache_key)
        if client is None:
            client = make_client(
                self.base_url, token, server_errors=server_errors, session=self._session
            )
            self._clients[cache_key] = client
        return client

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class SlackPort:
    platform = "slack"

    def __init__(self, core: Core, clients: Clients, *, pacing: float = 1.0) -> None:
        self.core = core
        self.clients = clients
        # About one message per second per channel (Slack's guidance for chat.postMessage).
        self.pacer = (
            Pacer(limit=50, key_limit=1, key_period=pacing)
            if pacing > 0
            else Pacer(limit=10_000, key_limit=None)
        )
        self.dm_channels = DmChannels(core, self.platform)
        self._sent: OrderedDict[str, str] = OrderedDict()
        self._users: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    # -- helpers -------------------------------------------------------------------------------
    async def _call(self, workspace: str, method: str, **params: Any) -> Any:
        client = await self.clients.get(workspace)
        try:
            return await getattr(client, method.replace(".", "_"))(**params)
        except SlackApiError as exc:
            err = platform_error(exc)
            log.warning(
                "slack call failed method=%s workspace=%s code=%s", method, workspace, err.code
            )
            raise err from None

    def _remember(self, key: str, ts: str) -> None:
        self._sent[key] = ts
        self._sent.move_to_end(key)
        while len(self._sent) > 10_000:
            self._sent.popitem(last=False)

    async def _find_keyed(self, workspace: str, channel: str, key: str) -> str | None:
        """A DM message already carrying ``key`` (needs im:history; DMs only)."""
        client = await self.clients.get(workspace)
        try:
            found = await client.conversations_history(
                channel=channel,
                limit=KEY_LOOKBACK_MESSAGES,
                oldest=f"{time.time() - KEY_LOOKBACK_SECONDS:.6f}",
                include_all_metadata=True,
            )
        except SlackApiError as exc:
            log.warning("key lookup failed channel=%s code=%s", channel, platform_error(exc).code)
            return None
        for item in found.get("messages") or []:
            meta = item.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                return str(item["ts"])
        return None

    async def _post(
        self,
        workspace: str,
        channel: str,
        message: Message,
        key: str | None,
        *,
        checkable: bool,
        retry: bool = False,
    ) -> str:
        if key is not None and key in self._sent:
            return self._sent[key]
        if key is not None and checkable and retry:
            found = await self._find_keyed(workspace, channel, key)
            if found is not None:
                log.info("delivery already in slack channel=%s ts=%s", channel, found)
                self._remember(key, found)
                return found
        rendered = render.message(message)
        params: dict[str, Any] = {
            "channel": channel,
            "text": rendered.text,
            "blocks": rendered.blocks,
        }
        if key is not None:
            params["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        # Keyed DMs handle 5xx themselves (look, then retry); everything else lets slack_sdk retry.
        careful = key is not None and checkable
        client = await self.clients.get(workspace, server_errors=not careful)
        try:
            async with self.pacer.slot(f"{workspace}/{channel}"):
                result = await client.chat_postMessage(**params)
        except SlackApiError as exc:
            if not (careful and exc.response.status_code >= 500):
                raise self._log(platform_error(exc), "chat.postMessage", channel) from None
            assert key is not None
            found = await self._find_keyed(workspace, channel, key)
            if found is not None:
                self._remember(key, found)
                return found
            try:
                async with self.pacer.slot(f"{workspace}/{channel}"):
                    result = await client.chat_postMessage(**params)
            except SlackApiError as again:
                raise self._log(platform_error(again), "chat.postMessage", channel) from None
        ts = str(result["ts"])
        if key is not None:
            self._remember(key, ts)
        log.info("posted channel=%s ts=%s keyed=%s", channel, ts, key is not None)
        if message.file is not None:
            await self.upload(workspace, channel, message.file)
        return ts

    @staticmethod
    def _log(err: PlatformError, method: str, channel: str) -> PlatformError:
        log.warning("slack call failed method=%s channel=%s code=%s", method, channel, err.code)
        return err

    def forget_dm_channel(self, workspace: str, user: str) -> None:
        """Forget-me: the person's DM channel ID goes from memory and the database."""
        self.dm_channels.forget(workspace, user)

    async def dm_channel(self, workspace: str, user: str) -> str:
        known = await self.dm_channels.get(workspace, user)
        if known is not None:
            return known
        async with self.pacer.slot():
            opened = await self._call(workspace, "conversations.open", users=user)
        channel = str(opened["channel"]["id"])
        self.dm_channels.keep(workspace, user, channel)
        return channel

    async def upload(self, workspace: str, channel: str, file: Attachment) -> None:
        client = await self.clients.get(workspace)
        await self.pacer.acquire(f"{workspace}/{channel}")
        try:
            await client.files_upload_v2(
                channel=channel,
                content=file.data,
                filename=file.filename,
                title=file.filename,
                alt_txt=file.alt[:1000] or None,  # what a screen reader says for the image
            )
        except SlackApiError as exc:
            raise self._log(platform_error(exc), "files_upload_v2", channel) from None

    # -- the port ------------------------------------------------------------------------------
    async def create_private_channel(self, workspace: str, name: str, topic: str) -> str:
        base = name[:CHANNEL_NAME_LIMIT].strip("-") or "circle"
        candidate, n = base, 2
        client = await self.clients.get(workspace)
        while True:
            try:
                created = await client.conversations_create(name=candidate, is_private=True)
                break
            except SlackApiError as exc:
                err = platform_error(exc)
                if err.code != "name_taken" or n > 50:
                    raise self._log(err, "conversations.create", "-") from None
                suffix = f"-{n}"
                candidate, n = base[: CHANNEL_NAME_LIMIT - len(suffix)] + suffix, n + 1
        channel = str(created["channel"]["id"])
        await self._call(
            workspace, "conversations.setTopic", channel=channel, topic=topic[:TOPIC_LIMIT]
        )
        log.info("created private channel=%s workspace=%s", channel, workspace)
        return channel

    async def remove_channel(self, workspace: str, channel: str) -> None:
        # Bots cannot delete Slack channels; archiving hides it and keeps it out of use.
        await self._call(workspace, "conversations.archive", channel=channel)
        log.info("archived channel=%s workspace=%s", channel, workspace)

    async def archive_channel(self, workspace: str, channel: str) -> None:
        # Archived Slack channels stay readable to their members and take no new messages.
        await self._call(workspace, "conversations.archive", channel=channel)
        log.info("archived circle channel=%s workspace=%s", channel, workspace)

    async def set_access(self, workspace: str, channel: str, user: str, access: Access) -> None:
        client = await self.clients.get(workspace)
        try:
            if access >= Access.POST:
                await client.conversations_invite(channel=channel, users=user)
            else:
                await client.conversations_kick(channel=channel, user=user)
        except SlackApiError as exc:
            err = platform_error(exc)
            if err.code in ("already_in_channel", "not_in_channel"):
                return  # already as asked
            raise self._log(err, "set_access", channel) from None
        log.info("access channel=%s user=%s level=%s", channel, user, access.name.lower())

    async def post(
        self, workspace: str, channel: str, message: Message, *, key: str | None = None
    ) -> str:
        return await self._post(workspace, channel, message, key, checkable=False)

    async def post_private(self, workspace: str, channel: str, user: str, message: Message) -> None:
        rendered = render.message(message)
        client = await self.clients.get(workspace)
        try:
            await client.chat_postEphemeral(
                channel=channel, user=user, text=rendered.text, blocks=rendered.blocks
            )
        except SlackApiError as exc:
            err = platform_error(exc)
            if err.code not in ("user_not_in_channel", "not_in_channel", "channel_not_found"):
                raise self._log(err, "chat.postEphemeral", channel) from None
            # Only they may see it, and they cannot see that channel: tell them directly.
            await self.dm(workspace, user, message)
            return
        if message.file is not None:
            await self.upload(workspace, await self.dm_channel(workspace, user), message.file)

    async def dm(
        self,
        workspace: str,
        user: str,
        message: Message,
        *,
        key: str | None = None,
        retry: bool = False,
    ) -> str:
        channel = await self.dm_channel(workspace, user)
        try:
            return await self._post(workspace, channel, message, key, checkable=True, retry=retry)
        except PlatformError as err:
            if err.code != "channel_not_found":
                raise
        # No IDs: a DM may be the reply to an anonymous consult, and its timing must not name.
        log.info("slack dm channel stale; opening a new one")
        self.dm_channels.drop(workspace, user, channel)
        channel = await self.dm_channel(workspace, user)
        return await self._post(workspace, channel, message, key, checkable=True, retry=retry)

    async def edit(self, workspace: str, channel: str, message_id: str, message: Message) -> None:
        """``chat.update``: the message's text and blocks replaced in place."""
        rendered = render.message(message)
        await self.pacer.acquire(f"{workspace}/{channel}")
        await self._call(
            workspace,
            "chat.update",
            channel=channel,
            ts=message_id,
            text=rendered.text,
            blocks=rendered.blocks,
        )
        log.info("updated channel=%s ts=%s", channel, message_id)

    async def edit_dm(self, workspace: str, user: str, message_id: str, message: Message) -> None:
        await self.edit(workspace, await self.dm_channel(workspace, user), message_id, message)

    async def show_next_meeting(
        self, workspace: str, channel: str, event: CalendarEvent | None
    ) -> None:
        """Slack has no events visible to a channel only: reminders carry the meeting."""

    async def pin(self, workspace: str, channel: str, message_id: str) -> None:
        client = await self.clients.get(workspace)
        try:
            await client.pins_add(channel=channel, timestamp=message_id)
        except SlackApiError as exc:
            err = platform_error(exc)
            if err.code != "already_pinned":
                raise self._log(err, "pins.add", channel) from None

    async def delete_message(self, workspace: str, channel: str, message_id: str) -> None:
        await self._call(workspace, "chat.delete", channel=channel, ts=message_id)

    async def resolve_user(self, workspace: str, token: str) -> str | None:
        token = token.strip()
        match = _MENTION.match(token)
        user = match[1] if match else (token if _PLAIN_ID.match(token) else None)
        if user is None:
            return None  # a bare @name: Slack escapes real mentions as <@U…|name>
        return user if await self._exists(workspace, user) else None

    async def _exists(self, workspace: str, user: str) -> bool:
        """The person is in this workspace (a user ID from elsewhere is refused)."""
        person = await self.user_info(workspace, user)
        return person is not None and not person.get("deleted") and not person.get("is_bot")

    async def user_info(self, workspace: str, user: str) -> dict[str, Any] | None:
        """``users.info`` of a person (cached for ten minutes), or None when unknown here."""
        cached = self._users.get((workspace, user))
        if cached is not None and time.monotonic() - cached[0] < USER_CACHE_SECONDS:
            return cached[1]
        client = await self.clients.get(workspace)
        try:
            info = await client.users_info(user=user, include_locale=True)
        except SlackApiError as exc:
            err = platform_error(exc)
            if err.code in ("user_not_found", "users_not_found"):
                return None
            raise self._log(err, "users.info", "-") from None
        person = info.get("user")
        found: dict[str, Any] = dict(person) if isinstance(person, dict) else {}
        self._users[(workspace, user)] = (time.monotonic(), found)
        return found

    async def is_admin(self, workspace: str, user: str) -> bool:
        person = await self.user_info(workspace, user)
        return bool(person and (person.get("is_admin") or person.get("is_owner")))

    def mention(self, user: str) -> str:
        return f"<@{user}>"

    def format_time(self, when: datetime, zone: ZoneInfo, lang: str) -> str:
        # Slack writes the token in each reader's zone; clients that cannot show the fallback.
        fallback = format_when(when, zone, lang)
        return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
