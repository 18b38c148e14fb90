"""The chat port: the one small interface through which the core reaches any chat platform.

Each adapter (console, Discord, Slack) implements ``ChatPort``. Outgoing effects are neutral
values (``Message``, ``Button``, ``Form``, ``Attachment``); an adapter renders them its own way and
raises ``Unsupported`` for anything it cannot do, rather than quietly doing something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Literal, Protocol
from zoneinfo import ZoneInfo


class Access(IntEnum):
    """What a person may do in a circle channel; each level includes the ones below."""

    NONE = 0
    VIEW = 1  # read, but not post (before agreeing to the ground rules)
    POST = 2
    MANAGE = 3  # leaders: also manage messages and pins


Style = Literal["primary", "secondary", "success", "danger"]
"""What a button does, in the words platforms style by: ``primary`` the expected answer,
``success`` a yes that adds or confirms, ``danger`` something that removes or cannot be undone.
Platforms without a style (Slack has no green) fall back to the nearest one."""


@dataclass(frozen=True)
class Confirm:
    """Asked before a destructive button runs (Slack: a confirm dialog; Discord: a private
    "are you sure" with the real button)."""

    title: str
    text: str
    yes: str
    no: str


@dataclass(frozen=True)
class Button:
    """A button that, when pressed, runs ``command`` (grammar text, no ``/circle``) as the presser.

    Because the whole action lives in the button, buttons keep working after a restart.
    """

    label: str
    command: str
    style: Style = "secondary"
    confirm: Confirm | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str
    alt: str = ""
    """What the file shows, in words, for screen readers (images: required in spirit)."""


@dataclass(frozen=True)
class Field:
    """One labelled fact of a structured message (When, Where, Coming…)."""

    label: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Message:
    """A message. ``text`` is always the complete plain version (console, notifications,
    screen readers); ``title``/``body``/``fields``/``footer`` are the same content as structure,
    which Discord shows as an embed and Slack as Block Kit. Build structured ones with ``card``."""

    text: str
    buttons: tuple[Button, ...] = ()
    file: Attachment | None = None
    title: str = ""
    body: str = ""
    fields: tuple[Field, ...] = ()
    footer: str = ""
    summary: str = ""
    """The one line a notification shows (default: the title)."""

    @property
    def structured(self) -> bool:
        return bool(self.title or self.fields)

    @property
    def headline(self) -> str:
        return self.summary or self.title or (self.text.splitlines() or [""])[0]


def card(
    title: str,
    body: str = "",
    fields: tuple[Field, ...] = (),
    footer: str = "",
    *,
    buttons: tuple[Button, ...] = (),
    file: Attachment | None = None,
    summary: str = "",
) -> Message:
    """A structured message whose ``text`` says everything the structure says, in order."""
    lines = [summary or title]
    if summary and title and title != summary:
        lines.append(title)
    if body:
        lines.append(body)
    lines += [f"{f.label}: {f.value}" for f in fields]
    if file is not None and file.alt:
        lines.append(file.alt)
    if footer:
        lines.append(footer)
    return Message(
        "\n".join(line for line in lines if line),
        buttons,
        file,
        title=title,
        body=body,
        fields=fields,
        footer=footer,
        summary=summary,
    )


@dataclass(frozen=True)
class CalendarEvent:
    """A circle's next meeting as the platform's own event (Discord: a scheduled event)."""

    name: str
    start: datetime
    end: datetime
    description: str = ""


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    multiline: bool = False
    required: bool = True
    max_length: int = 1000
    value: str = ""
    choices: tuple[str, ...] = ()
    """Offered values (a select on Slack; typed on platforms without one)."""


@dataclass(frozen=True)
class Form:
    """A modal: on submit, ``command`` runs with each field as a ``name:value`` option."""

    title: str
    command: str
    fields: tuple[FormField, ...]
    fixed: dict[str, str] = field(default_factory=dict)


class ErrorKind(StrEnum):
    """What a platform refusal means, in words the core can act on (adapters map their codes)."""

    DM_CLOSED = "dm_closed"  # the person does not accept direct messages from the bot
    NO_PERMISSION = "no_permission"  # the bot lacks a permission, scope or channel membership
    GONE = "gone"  # the channel, message or person no longer exists (or never did)
    RATE_LIMITED = "rate_limited"
    UNSUPPORTED = "unsupported"  # this platform cannot do the asked action at all
    UNREACHABLE = "unreachable"  # the platform could not be reached, or is not ready
    OTHER = "other"


class PlatformError(Exception):
    """The platform refused an action: ``kind`` says what that means, ``code`` is the platform's
    own (e.g. 50013, not_in_channel), for logs and for the person to quote."""

    def __init__(self, kind: ErrorKind, code: str, *, retry_after: float | None = None) -> None:
        super().__init__(code)
        self.kind = kind
        self.code = code
        self.retry_after = retry_after


class Unsupported(PlatformError):
    """This platform cannot do the asked action at all."""

    def __init__(self, action: str) -> None:
        super().__init__(ErrorKind.UNSUPPORTED, f"unsupported:{action}")
        self.action = action


class ChatPort(Protocol):
    """What the core needs from a chat platform. IDs are the platform's own strings."""

    platform: str

    async def create_private_channel(self, workspace: str, name: str, topic: str) -> str:
        """Create a channel that only people granted access can see; return its ID."""

    async def remove_channel(self, workspace: str, channel: str) -> None:
        """Delete (or archive, where deleting is not allowed) a channel this bot created.

        Used to undo a circle whose creation failed part-way, so nothing is left half-done."""

    async def archive_channel(self, workspace: str, channel: str) -> None:
        """Close a circle's channel for good but keep it readable where the platform can
        (Slack: archive; Discord: nobody may post any more). Used by ``archive``."""

    async def set_access(self, workspace: str, channel: str, user: str, access: Access) -> None:
        """Grant or revoke a person's access to a circle channel (idempotent)."""

    async def post(
        self, workspace: str, channel: str, message: Message, *, key: str | None = None
    ) -> str:
        """Post in a channel; ``key`` lets the platform drop a repeat of the same delivery."""

    async def post_private(self, workspace: str, channel: str, user: str, message: Message) -> None:
        """Show a message to one person only (ephemeral where the platform has it)."""

    async def dm(
        self,
        workspace: str,
        user: str,
        message: Message,
        *,
        key: str | None = None,
        retry: bool = False,
    ) -> str:
        """Send a direct message to one person; return the message ID.

        ``retry`` (decided by the ledger) says this keyed delivery was attempted before, so a
        platform that can look for an earlier copy carrying ``key`` should look first. Closed
        DMs raise ``PlatformError`` of kind ``DM_CLOSED``; what to do then is the core's rule
        (``bot.core.notices``)."""

    async def edit(self, workspace: str, channel: str, message_id: str, message: Message) -> None:
        """Replace a message the bot posted in a channel, in place (a live message: RSVP
        counts, the talking piece); its buttons are replaced too."""

    async def edit_dm(self, workspace: str, user: str, message_id: str, message: Message) -> None:
        """``edit`` for a message the bot sent this person directly."""

    async def pin(self, workspace: str, channel: str, message_id: str) -> None:
        """Pin a message in a channel."""

    async def delete_message(self, workspace: str, channel: str, message_id: str) -> None:
        """Delete a message the bot posted (which also unpins it): undoes a rolled-back post."""

    async def show_next_meeting(
        self, workspace: str, channel: str, event: CalendarEvent | None
    ) -> None:
        """Show the circle's next meeting (None: there is none) as a native event where the
        platform has events only its channel's members can see, and the deployment turned them
        on (Discord ``[discord] voice_channels``). Elsewhere it does nothing: reminders and
        ``schedule show`` already carry the meeting. Idempotent; called on every schedule
        change and after each meeting."""

    async def resolve_user(self, workspace: str, token: str) -> str | None:
        """Turn what a person typed for someone (``@name``, ``<@U123>``) into a user ID."""

    def mention(self, user: str) -> str:
        """How to name a person in a message so that the platform shows their name."""

    def format_time(self, when: datetime, zone: ZoneInfo, lang: str) -> str:
        """A start time each reader sees in their own zone (and language) where the platform
        can do that; otherwise in ``zone``, written for readers of ``lang``."""
