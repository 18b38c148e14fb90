"""What a command returns to the person who ran it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.port import Attachment, Button, ErrorKind, Form, Message


@dataclass(frozen=True)
class Reply:
    """Shown to the invoker; ``private`` (the default) means only they see it."""

    text: str
    private: bool = True
    buttons: tuple[Button, ...] = ()
    file: Attachment | None = None
    form: Form | None = None
    card: Message | None = None
    """The same reply as a structured message (embed / Block Kit); ``text`` stays complete."""


class Status(StrEnum):
    OK = "ok"  # the command ran to the end and its writes are committed
    REFUSED = "refused"  # bad input or not allowed: nothing written, the reply says what to do
    FAILED = "failed"  # the platform refused, or a bug: rolled back, the reply says so


@dataclass(frozen=True)
class Outcome:
    """What running a command came to, so an adapter need not guess from the reply's text.

    ``command`` is the command's name, None when the text did not parse; ``error`` is the
    platform's refusal kind when a ``PlatformError`` failed it."""

    status: Status
    reply: Reply
    command: str | None = None
    error: ErrorKind | None = None

    @property
    def ok(self) -> bool:
        return self.status is Status.OK
