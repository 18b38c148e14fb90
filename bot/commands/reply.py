"""What a command returns to the person who ran it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.port import Attachment, Button, Form


@dataclass(frozen=True)
class Reply:
    """Shown to the invoker; ``private`` (the default) means only they see it."""

    text: str
    private: bool = True
    buttons: tuple[Button, ...] = ()
    file: Attachment | None = None
    form: Form | None = None
