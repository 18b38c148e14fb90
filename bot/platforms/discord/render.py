"""Neutral messages, buttons and forms as Discord content, components and modals.

A button's ``custom_id`` carries the whole command it runs (``ck:b:rules agree version:2
circle:#1``) and a modal's carries its command and fixed values, so both keep working after a
restart: nothing about them lives only in the bot's memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from dataclasses import dataclass
from typing import Any

import discord

from bot.port import Attachment, Button, Form, Message

log = logging.getLogger(__name__)

CONTENT_MAX = 2000
EMBED_MAX = 4096
CUSTOM_ID_MAX = 100
BUTTON_PREFIX = "ck:b:"
GUILD_BUTTON_PREFIX = "ck:g:"  # ck:g:<guild id>:<command>, for buttons in DMs (no guild there)
FORM_PREFIX = "ck:f:"
CONFIRM_PREFIX = "ck:c:"  # ck:c:<command>: a destructive button that asks first (privately)
LABEL_MAX = 80
MODAL_TITLE_MAX = 45
MODAL_LABEL_MAX = 45
TEXT_INPUT_MAX = 4000
MAX_BUTTONS = 25
EMBED_TITLE_MAX = 256
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
EMBED_COLOUR = 0x5B8A72  # a calm green; nothing is said by colour alone

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}

NO_MASS_MENTIONS = discord.AllowedMentions(everyone=False, roles=False, users=True)


def nonce_for(key: str) -> str:
    """Discord nonces hold at most 25 characters; the same key always gives the same nonce."""
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


def button_id(command: str, workspace: str | None = None, *, confirm: bool = False) -> str | None:
    if confirm:
        custom_id = CONFIRM_PREFIX + (f"{workspace}:" if workspace else "") + command
        if len(custom_id) <= CUSTOM_ID_MAX:
            return custom_id
    if workspace is not None:
        custom_id = f"{GUILD_BUTTON_PREFIX}{workspace}:{command}"
        if len(custom_id) <= CUSTOM_ID_MAX:
            return custom_id
    custom_id = BUTTON_PREFIX + command
    return custom_id if len(custom_id) <= CUSTOM_ID_MAX else None


def form_id(form: Form) -> str | None:
    custom_id = FORM_PREFIX + json.dumps([form.command, form.fixed], separators=(",", ":"))
    return custom_id if len(custom_id) <= CUSTOM_ID_MAX else None


@dataclass(frozen=True)
class Decoded:
    kind: str  # "button", "confirm" (ask first) or "form"
    command: str
    fixed: dict[str, str]
    workspace: str | None = None


def decode(custom_id: str) -> Decoded | None:
    if custom_id.startswith(BUTTON_PREFIX):
        return Decoded("button", custom_id[len(BUTTON_PREFIX) :], {})
    if custom_id.startswith(CONFIRM_PREFIX):
        rest = custom_id[len(CONFIRM_PREFIX) :]
        guild, _, command = rest.partition(":")
        if guild.isdigit() and command:
            return Decoded("confirm", command, {}, guild)
        return Decoded("confirm", rest, {})
    if custom_id.startswith(GUILD_BUTTON_PREFIX):
        guild, _, command = custom_id[len(GUILD_BUTTON_PREFIX) :].partition(":")
        if guild.isdigit() and command:
            return Decoded("button", command, {}, guild)
        return None
    if custom_id.startswith(FORM_PREFIX):
        try:
            command, fixed = json.loads(custom_id[len(FORM_PREFIX) :])
        except (ValueError, TypeError):
            return None
        if isinstance(command, str) and isinstance(fixed, dict):
            return Decoded("form", command, {str(k): str(v) for k, v in fixed.items()})
    return None


def view_for(
    buttons: tuple[Button, ...], *, timeout: float | None = 1.0, workspace: str | None = None
) -> discord.ui.View | None:
    """Buttons as a view; each carries its command. A button whose command does not fit in a
    custom_id is left out (and logged): it could not survive a restart.

    Presses are handled from the custom_id, not by the view, so discord.py may forget the
    view at once (a short timeout keeps its view store from growing)."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=timeout)
    seen: set[str] = set()
    for b in buttons[:MAX_BUTTONS]:
        custom_id = button_id(b.command, workspace, confirm=b.confirm is not None)
        if custom_id is None or custom_id in seen:
            log.warning("discord button left out length=%d", len(b.command))
            continue
        seen.add(custom_id)
        view.add_item(
            discord.ui.Button(
                label=b.label[:LABEL_MAX],
                custom_id=custom_id,
                style=_STYLES.get(b.style, discord.ButtonStyle.secondary),
            )
        )
    return view if view.children else None


def file_for(attachment: Attachment | None) -> discord.File | None:
    if attachment is None:
        return None
    return discord.File(
        io.BytesIO(attachment.data),
        filename=attachment.filename,
        description=attachment.alt[:1024] or None,  # Discord's alt text for attachments
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Embed(discord.Embed):
    """discord.py's embed without its ``flags: 0``, which Discord's API description of an
    outgoing embed does not list (the fakes check requests against it)."""

    def to_dict(self) -> Any:
        data = dict(super().to_dict())
        if not data.get("flags"):
            data.pop("flags", None)
        return data


def embed_for(message: Message) -> discord.Embed | None:
    """A structured message as one embed: title, body as description, fields, footer, and an
    image shown inside it when the file is one. None for a plain message.

    Discord's limits are kept (6000 characters in all); what does not fit is cut with "…"
    here, while ``message.text`` (the content's fallback) keeps everything."""
    if not message.structured:
        return None
    embed = Embed(
        title=_cut(message.title, EMBED_TITLE_MAX) or None,
        description=_cut(message.body, EMBED_MAX) or None,
        colour=EMBED_COLOUR,
    )
    used = len(embed.title or "") + len(embed.description or "")
    for f in message.fields[:EMBED_FIELDS_MAX]:
        name = _cut(f.label, EMBED_FIELD_NAME_MAX) or "-"
        value = _cut(f.value, EMBED_FIELD_VALUE_MAX) or "-"
        if used + len(name) + len(value) > EMBED_TOTAL_MAX - EMBED_FOOTER_MAX:
            break
        used += len(name) + len(value)
        embed.add_field(name=name, value=value, inline=f.inline)
    if message.footer:
        embed.set_footer(text=_cut(message.footer, min(EMBED_FOOTER_MAX, EMBED_TOTAL_MAX - used)))
    if message.file is not None and message.file.mime.startswith("image/"):
        embed.set_image(url=f"attachment://{message.file.filename}")
    return embed


def split_text(text: str, limit: int = CONTENT_MAX) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line ends, then spaces, when possible."""
    text = text or ""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    pieces.append(text)
    return [p for p in pieces if p] or [""]


def modal_for(form: Form) -> discord.ui.Modal | None:
    """A modal whose custom_id carries the command; None when it cannot be encoded."""
    custom_id = form_id(form)
    if custom_id is None or not form.fields:
        return None
    modal = discord.ui.Modal(
        title=form.title[:MODAL_TITLE_MAX] or "-", custom_id=custom_id, timeout=15 * 60
    )
    for f in form.fields[:5]:
        limit = max(1, min(f.max_length, TEXT_INPUT_MAX))
        modal.add_item(
            discord.ui.TextInput(
                label=f.label[:MODAL_LABEL_MAX] or f.name,
                custom_id=f.name,
                style=discord.TextStyle.paragraph if f.multiline else discord.TextStyle.short,
                required=f.required,
                max_length=limit,
                default=f.value[:limit] or None,
            )
        )
    return modal


def modal_values(components: list[dict[str, Any]]) -> dict[str, str]:
    """The submitted text inputs, whether in action rows or labels."""
    out: dict[str, str] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for c in items:
            if c.get("type") == 4 and "custom_id" in c:
                out[str(c["custom_id"])] = str(c.get("value") or "")
            if isinstance(c.get("components"), list):
                walk(c["components"])
            if isinstance(c.get("component"), dict):
                walk([c["component"]])

    walk(components)
    return out
