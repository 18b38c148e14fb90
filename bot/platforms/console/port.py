"""The chat port in a terminal: prints what is posted, where, to whom, and what access changed.

It is a faithful platform: any plain name is a person (the first mention prints
``new person: lee``), and its world — people, channels, access, pins, message numbers — is kept
in the database through ``bot.core.console_world`` when a store is given, so a second run
continues where the first stopped. Changes are recorded as they happen and written by ``save``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.console_world import Change, WorldStore
from bot.i18n import format_when
from bot.port import Access, Attachment, Button, CalendarEvent, Message

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")


class ConsolePort:
    """People are plain names; channels are ``#name``; messages are ``m1``, ``m2``, …

    An idempotency key seen before returns the first message's ID and prints nothing new,
    as Discord's ``enforce_nonce`` does.
    """

    platform = "console"
    workspace = "console"

    def __init__(
        self,
        write: Callable[[str], None],
        people: list[str] | None = None,
        files_dir: Path | None = None,
        store: WorldStore | None = None,
    ) -> None:
        self.write = write
        self.files_dir = files_dir
        self.store = store
        self.people: set[str] = set(people or [])
        self.channels: dict[str, dict[str, Access]] = {}
        self.pins: dict[str, list[str]] = {}
        self.sent_keys: dict[str, str] = {}
        self.messages: dict[str, tuple[str, Message]] = {}
        self._next = 0
        self._changes: list[Change] = []

    async def load(self) -> None:
        """Continue the world of earlier runs (people, channels, access, pins, numbering)."""
        if self.store is None:
            return
        world = await self.store.load()
        self.people |= world.people
        for channel, levels in world.access.items():
            self.channels[channel] = {p: Access(level) for p, level in levels.items()}
        self.pins = {c: list(ids) for c, ids in world.pins.items()}
        self._next = max(self._next, world.messages)

    async def save(self) -> None:
        """Write what changed since the last save (the console calls it after every line)."""
        if self.store is not None and self._changes:
            changes, self._changes = self._changes, []
            await self.store.save(changes)

    def _record(self, kind: str, *args: object) -> None:
        if self.store is not None:
            self._changes.append((kind, args))

    def _id(self) -> str:
        self._next += 1
        self._record("messages", self._next)
        return f"m{self._next}"

    @staticmethod
    def valid_name(name: str) -> bool:
        return bool(_NAME.match(name))

    def meet(self, name: str, *, announce: bool = True) -> None:
        """Any plain name is a person; the first time one appears, the console says so."""
        if name in self.people:
            return
        self.people.add(name)
        self._record("person", name)
        if announce:
            self.write(f"  [console] new person: {name}")

    def show(
        self,
        head: str,
        indent: str,
        text: str,
        buttons: tuple[Button, ...] = (),
        file: Attachment | None = None,
    ) -> None:
        """Print a message: its first line after ``head``, the rest, buttons and file indented."""
        lines = text.splitlines() or [""]
        self.write(head + lines[0])
        for line in lines[1:]:
            self.write(indent + line)
        for b in buttons:
            self.write(f"{indent}[button: {b.label} → /circle {b.command}]")
        if file is not None:
            saved = ""
            if self.files_dir is not None:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                path = self.files_dir / Path(file.filename).name
                path.write_bytes(file.data)
                saved = f", saved as {path}"
            self.write(f"{indent}[file: {file.filename}, {len(file.data)} bytes{saved}]")

    def _show(self, where: str, message: Message) -> None:
        self.show(
            f"  [{where}] ", " " * (len(where) + 5), message.text, message.buttons, message.file
        )

    async def create_private_channel(self, workspace: str, name: str, topic: str) -> str:
        channel = f"#{name}"
        suffix = 2
        while channel in self.channels:
            channel, suffix = f"#{name}-{suffix}", suffix + 1
        self.channels[channel] = {}
        self._record("channel", channel)
        self.write(f"  [{channel}] private channel created")
        return channel

    async def remove_channel(self, workspace: str, channel: str) -> None:
        self.channels.pop(channel, None)
        self.pins.pop(channel, None)
        self._record("unchannel", channel)
        self.write(f"  [{channel}] channel removed")

    async def archive_channel(self, workspace: str, channel: str) -> None:
        for user, level in self.channels.setdefault(channel, {}).items():
            if level > Access.VIEW:
                self.channels[channel][user] = Access.VIEW
        self.write(f"  [{channel}] channel archived: readable, nobody can post")

    async def set_access(self, workspace: str, channel: str, user: str, access: Access) -> None:
        granted = self.channels.setdefault(channel, {})
        if granted.get(user, Access.NONE) == access:
            return
        granted[user] = access
        self._record("access", channel, user, int(access))
        self.write(f"  [{channel}] access {user}: {access.name.lower()}")

    def _remember(self, key: str | None, where: str, message: Message) -> tuple[str, bool]:
        if key is not None and key in self.sent_keys:
            return self.sent_keys[key], False
        mid = self._id()
        self.messages[mid] = (where, message)
        if key is not None:
            self.sent_keys[key] = mid
        return mid, True

    async def post(
        self, workspace: str, channel: str, message: Message, *, key: str | None = None
    ) -> str:
        mid, new = self._remember(key, channel, message)
        if new:
            self._show(f"{channel} {mid}", message)
        return mid

    async def post_private(self, workspace: str, channel: str, user: str, message: Message) -> None:
        self._show(f"{channel}, only {user} sees", message)

    async def dm(
        self,
        workspace: str,
        user: str,
        message: Message,
        *,
        key: str | None = None,
        retry: bool = False,
    ) -> str:
        mid, new = self._remember(key, f"DM {user}", message)
        if new:
            self._show(f"DM {user}", message)
        return mid

    async def edit(self, workspace: str, channel: str, message_id: str, message: Message) -> None:
        """A terminal cannot change what it printed: the lines that changed are printed,
        marked with the message they belong to (nothing when nothing changed)."""
        self._edited(message_id, channel, message)

    async def edit_dm(self, workspace: str, user: str, message_id: str, message: Message) -> None:
        self._edited(message_id, f"DM {user}", message)

    def _edited(self, message_id: str, where: str, message: Message) -> None:
        where, before = self.messages.get(message_id, (where, Message("")))
        self.messages[message_id] = (where, message)
        old = set(before.text.splitlines())
        changed = [line for line in message.text.splitlines() if line not in old]
        buttons = message.buttons if message.buttons != before.buttons else ()
        if changed or buttons:
            head = f"{where} {message_id} edited"
            self.show(f"  [{head}] ", " " * (len(head) + 5), "\n".join(changed), buttons)

    async def show_next_meeting(
        self, workspace: str, channel: str, event: CalendarEvent | None
    ) -> None:
        """A terminal has no calendar: the reminders and ``schedule show`` carry the meeting."""

    async def pin(self, workspace: str, channel: str, message_id: str) -> None:
        self.pins.setdefault(channel, []).append(message_id)
        self._record("pin", channel, message_id)
        self.write(f"  [{channel}] pinned {message_id}")

    async def delete_message(self, workspace: str, channel: str, message_id: str) -> None:
        self.messages.pop(message_id, None)
        pins = self.pins.get(channel, [])
        if message_id in pins:
            pins.remove(message_id)
        self.write(f"  [{channel}] deleted {message_id}")

    async def resolve_user(self, workspace: str, token: str) -> str | None:
        name = token.removeprefix("@").lower()
        if not _NAME.match(name):
            return None
        self.meet(name)
        return name

    def mention(self, user: str) -> str:
        return f"@{user}"

    def format_time(self, when: datetime, zone: ZoneInfo, lang: str) -> str:
        return format_when(when, zone, lang)
