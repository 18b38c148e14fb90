"""Block Kit rendering of the port's neutral values: messages, buttons, forms, App Home.

Pure functions, no I/O. A button's ``value`` is the command it runs (grammar text without
``/circle``), so buttons keep working after a restart; a form's ``private_metadata`` carries the
command it submits to and its fixed options.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.i18n import N_, translate
from bot.port import Button, Form, Message

BUTTON_ACTION = "ck_run"
"""Every command button has an action_id ``ck_run:<n>`` (unique within its block)."""
BUTTON_ACTION_PATTERN = re.compile(r"^ck_run:\d+$")
FORM_CALLBACK = "ck_form"
RESULT_CALLBACK = "ck_result"
HOME_REFRESH_ACTION = "ck_home_refresh"
FIELD_ACTION = "value"

SECTION_LIMIT = 3000  # characters of text in one section block
TEXT_LIMIT = 40_000  # characters of a message's top-level text
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
BUTTON_LABEL = 75
BUTTON_VALUE = 2000
BUTTONS_PER_BLOCK = 25
TITLE_LIMIT = 24
INPUT_LIMIT = 3000

# Our own tokens pass through unescaped: mentions, channel links and <!date^…> times.
_OWN_TOKEN = re.compile(
    r"(<@[UW][A-Z0-9]+(?:\|[^<>]*)?>|<#C[A-Z0-9]+(?:\|[^<>]*)?>|<!date\^[^<>]+>)"
)

Blocks = list[dict[str, Any]]
ELLIPSIS: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": "…"}}


def escape(text: str) -> str:
    """Slack's three escapes (``& < >``), leaving our mention and time tokens intact."""
    parts = _OWN_TOKEN.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 1:
            out.append(part)
        else:
            out.append(part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(out)


def unescape(text: str) -> str:
    """What a person typed, from Slack's escaped slash-command text (``&amp;`` → ``&``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain(text: str, limit: int) -> dict[str, Any]:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": shown or " ", "emoji": False}


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split text at line breaks (or hard, for one very long line) into pieces of ``limit``."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return pieces or [" "]


def text_blocks(text: str) -> Blocks:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in chunks(escape(text))
    ]


def button_blocks(buttons: tuple[Button, ...]) -> Blocks:
    blocks: Blocks = []
    for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
        elements = []
        for n, b in enumerate(buttons[start : start + BUTTONS_PER_BLOCK], start=start):
            if len(b.command) > BUTTON_VALUE:
                raise ValueError(f"button command longer than {BUTTON_VALUE} characters")
            element: dict[str, Any] = {
                "type": "button",
                "action_id": f"{BUTTON_ACTION}:{n}",
                "text": plain(b.label, BUTTON_LABEL),
                "value": b.command,
            }
            if b.style in ("primary", "danger"):
                element["style"] = b.style
            elements.append(element)
        blocks.append({"type": "actions", "block_id": f"ck_buttons_{start}", "elements": elements})
    return blocks


@dataclass(frozen=True)
class Rendered:
    """What ``chat.postMessage`` (or a response_url) gets: fallback text and blocks."""

    text: str
    blocks: Blocks


def message(msg: Message, *, limit: int = MESSAGE_BLOCKS) -> Rendered:
    return render_text(msg.text, msg.buttons, limit=limit)


def render_text(
    text: str, buttons: tuple[Button, ...] = (), *, limit: int = MESSAGE_BLOCKS
) -> Rendered:
    """Text (split into sections) then the buttons; the top-level text is the screen-reader
    and notification fallback, so it carries the whole message."""
    body = text_blocks(text)
    actions = button_blocks(buttons)
    room = limit - len(actions)
    if len(body) > room:
        body = [*body[: room - 1], ELLIPSIS]
    fallback = escape(text)
    if len(fallback) > TEXT_LIMIT:
        fallback = fallback[: TEXT_LIMIT - 1] + "…"
    return Rendered(fallback or " ", body + actions)


def form_modal(form: Form, meta: dict[str, Any], lang: str) -> dict[str, Any]:
    """A modal whose inputs are the form's fields (block_id = field name)."""
    blocks: Blocks = []
    for f in form.fields:
        element: dict[str, Any]
        if f.choices:
            # A select (Slack allows 100 options); what is picked arrives as selected_option.
            options = [{"text": plain(c, 75), "value": c[:150]} for c in f.choices[:100]]
            element = {"type": "static_select", "action_id": FIELD_ACTION, "options": options}
            if f.value in f.choices:
                element["initial_option"] = options[f.choices.index(f.value)]
        else:
            element = {
                "type": "plain_text_input",
                "action_id": FIELD_ACTION,
                "multiline": f.multiline,
                "max_length": min(f.max_length, INPUT_LIMIT),
            }
            if f.value and len(f.value) <= element["max_length"]:
                element["initial_value"] = f.value
        blocks.append(
            {
                "type": "input",
                "block_id": f.name,
                "optional": not f.required,
                "label": plain(f.label, 2000),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "title": plain(form.title, TITLE_LIMIT),
        "submit": plain(translate(N_("Save"), lang), TITLE_LIMIT),
        "close": plain(translate(N_("Cancel"), lang), TITLE_LIMIT),
        "blocks": blocks,
    }


def result_modal(title: str, text: str, buttons: tuple[Button, ...], lang: str) -> dict[str, Any]:
    """A modal that shows a command's reply (after a form, or a button in App Home)."""
    rendered = render_text(text, buttons, limit=VIEW_BLOCKS)
    return {
        "type": "modal",
        "callback_id": RESULT_CALLBACK,
        "title": plain(title, TITLE_LIMIT),
        "close": plain(translate(N_("Close"), lang), TITLE_LIMIT),
        "blocks": rendered.blocks,
    }


def home_view(
    sections: list[tuple[str, str]], buttons: tuple[Button, ...], lang: str
) -> dict[str, Any]:
    """The App Home tab: a header and text per section, then command buttons and Refresh."""
    blocks: Blocks = []
    for heading, body in sections:
        blocks.append({"type": "header", "text": plain(heading, 150)})
        blocks.extend(text_blocks(body))
        blocks.append({"type": "divider"})
    elements = button_blocks(buttons)
    refresh = {
        "type": "button",
        "action_id": HOME_REFRESH_ACTION,
        "text": plain(translate(N_("Refresh"), lang), BUTTON_LABEL),
        "value": "refresh",
    }
    if elements and len(elements[-1]["elements"]) < BUTTONS_PER_BLOCK:
        elements[-1]["elements"].append(refresh)
    else:
        elements.append({"type": "actions", "block_id": "ck_home", "elements": [refresh]})
    room = VIEW_BLOCKS - len(elements)
    if len(blocks) > room:
        blocks = [*blocks[: room - 1], ELLIPSIS]
    return {"type": "home", "blocks": blocks + elements}
