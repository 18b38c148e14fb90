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

from bot.core.home import CircleCard
from bot.i18n import N_, translate
from bot.port import Button, Confirm, Form, Message

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
HEADER_LIMIT = 150
FIELDS_PER_SECTION = 10
FIELD_LIMIT = 2000
CONTEXT_LIMIT = 3000
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30

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


def button_blocks(buttons: tuple[Button, ...], first: int = 0) -> Blocks:
    """Actions blocks; action IDs are numbered from ``first`` (unique within a view)."""
    blocks: Blocks = []
    for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
        elements = []
        for n, b in enumerate(buttons[start : start + BUTTONS_PER_BLOCK], start=start + first):
            if len(b.command) > BUTTON_VALUE:
                raise ValueError(f"button command longer than {BUTTON_VALUE} characters")
            element: dict[str, Any] = {
                "type": "button",
                "action_id": f"{BUTTON_ACTION}:{n}",
                "text": plain(b.label, BUTTON_LABEL),
                "value": b.command,
            }
            style = "primary" if b.style == "success" else b.style  # Slack has no green
            if style in ("primary", "danger"):
                element["style"] = style
            if b.confirm is not None:
                element["confirm"] = confirm_object(b.confirm)
            elements.append(element)
        blocks.append({"type": "actions", "block_id": f"ck_buttons_{start}", "elements": elements})
    return blocks


def confirm_object(c: Confirm) -> dict[str, Any]:
    """Slack's own "are you sure?" dialog, red for the destructive choice."""
    return {
        "title": plain(c.title, CONFIRM_TITLE),
        "text": plain(c.text, CONFIRM_TEXT),
        "confirm": plain(c.yes, CONFIRM_BUTTON),
        "deny": plain(c.no, CONFIRM_BUTTON),
        "style": "danger",
    }


def _mrkdwn(text: str, limit: int) -> dict[str, Any]:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "mrkdwn", "text": shown or " "}


def card_blocks(msg: Message) -> Blocks:
    """A structured message as Block Kit: header, the body's sections, the fields two
    columns wide (sections of ten), the footer as context, then a divider before buttons."""
    blocks: Blocks = []
    if msg.title:
        blocks.append({"type": "header", "text": plain(msg.title, HEADER_LIMIT)})
    if msg.body:
        blocks.extend(text_blocks(msg.body))
    for start in range(0, len(msg.fields), FIELDS_PER_SECTION):
        part = msg.fields[start : start + FIELDS_PER_SECTION]
        blocks.append(
            {
                "type": "section",
                "fields": [
                    _mrkdwn(f"*{escape(f.label)}*\n{escape(f.value)}", FIELD_LIMIT) for f in part
                ],
            }
        )
    if msg.footer:
        blocks.append({"type": "context", "elements": [_mrkdwn(escape(msg.footer), CONTEXT_LIMIT)]})
    if msg.buttons:
        blocks.append({"type": "divider"})
    return blocks


@dataclass(frozen=True)
class Rendered:
    """What ``chat.postMessage`` (or a response_url) gets: fallback text and blocks."""

    text: str
    blocks: Blocks


def message(msg: Message, *, limit: int = MESSAGE_BLOCKS) -> Rendered:
    """Block Kit for a message; the top-level text is always the complete plain version."""
    if not msg.structured:
        return render_text(msg.text, msg.buttons, limit=limit)
    body = card_blocks(msg)
    actions = button_blocks(msg.buttons)
    room = limit - len(actions)
    if len(body) > room:
        body = [*body[: room - 1], ELLIPSIS]
    fallback = escape(msg.text)
    if len(fallback) > TEXT_LIMIT:
        fallback = fallback[: TEXT_LIMIT - 1] + "…"
    return Rendered(fallback or " ", body + actions)


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


ROLE_WORDS = {"member": N_("member"), "leader": N_("leader"), "mentor": N_("mentor")}
MENU_CALLBACK = "ck_menu"


def _card_buttons(card: CircleCard) -> tuple[Button, ...]:
    """What this person can do with this circle from the dashboard, by their role."""
    lang, at = card.language, f"circle:#{card.circle_id}"
    out: list[Button] = []
    if card.next_meeting is not None and card.role != "mentor":
        when = f"date:{card.next_meeting.day.isoformat()} {at}"
        out += [
            Button(translate(N_("Yes, I will come"), lang), f"rsvp yes {when}", "success"),
            Button(translate(N_("No, not this time"), lang), f"rsvp no {when}"),
        ]
    out.append(Button(translate(N_("Ground rules"), lang), f"rules show {at}"))
    if card.role == "leader":
        out += [
            Button(translate(N_("Roster"), lang), f"attendance {at}"),
            Button(translate(N_("Post a prompt"), lang), f"prompt post {at}"),
            Button(translate(N_("Schedule"), lang), f"schedule show {at}"),
        ]
    if card.role == "mentor":
        out += [
            Button(translate(N_("Status"), lang), f"mentor status {at}"),
            Button(translate(N_("Attendance chart"), lang), f"mentor chart {at}"),
        ]
    return tuple(out)


def _card_text(card: CircleCard, format_time: Any) -> str:
    lang = card.language
    lines = [f"*{escape(card.name)}* · {translate(ROLE_WORDS.get(card.role, card.role), lang)}"]
    nxt = card.next_meeting
    if nxt is None:
        lines.append(translate(N_("No meeting scheduled."), lang))
    else:
        lines.append(
            translate(N_("Next meeting: {when}"), lang, when=format_time(nxt.start, nxt.zone, lang))
        )
        if card.location:
            lines.append(translate(N_("Where: {where}"), lang, where=escape(card.location)))
        if card.role != "mentor":
            answer = {
                "yes": N_("You said you will come."),
                "no": N_("You said you cannot come."),
                "maybe": N_("You said maybe."),
                None: N_("You have not answered yet."),
            }[nxt.answer]
            lines.append(translate(answer, lang))
        lines.append(translate(N_("Coming so far: {n}"), lang, n=nxt.coming))
    return "\n".join(lines)


def dashboard_view(
    cards: list[CircleCard],
    mentor_status: str | None,
    help_text: str | None,
    lang: str,
    format_time: Any,
) -> dict[str, Any]:
    """App Home as a dashboard: a card per circle with the buttons its role needs, the
    mentor's status cards (flags included), support resources, then what one can do."""
    blocks: Blocks = [{"type": "header", "text": plain(translate(N_("My circles"), lang), 150)}]
    if not cards:
        blocks.extend(text_blocks(translate(N_("You are not in a circle here yet."), lang)))
    counter = 0
    for card in cards:
        blocks.append({"type": "section", "text": _mrkdwn(_card_text(card, format_time), 3000)})
        buttons = _card_buttons(card)
        actions = button_blocks(buttons, counter)
        for i, block in enumerate(actions):
            block["block_id"] = f"ck_card_{card.circle_id}_{i}"
        counter += len(buttons)
        blocks.extend(actions)
        blocks.append({"type": "divider"})
    if mentor_status:
        blocks.append({"type": "header", "text": plain(translate(N_("Mentor status"), lang), 150)})
        blocks.extend(text_blocks(mentor_status))
        blocks.append({"type": "divider"})
    blocks.append({"type": "header", "text": plain(translate(N_("Support"), lang), 150)})
    support = button_blocks(
        (Button(translate(N_("Crisis and support resources"), lang), "resources"),), counter
    )
    support[0]["block_id"] = "ck_support"
    refresh = {
        "type": "button",
        "action_id": HOME_REFRESH_ACTION,
        "text": plain(translate(N_("Refresh"), lang), BUTTON_LABEL),
        "value": "refresh",
    }
    support[0]["elements"].append(refresh)
    blocks.extend(support)
    if help_text:
        blocks.append({"type": "divider"})
        blocks.append(
            {"type": "header", "text": plain(translate(N_("What you can do"), lang), 150)}
        )
        blocks.extend(text_blocks(help_text))
    if len(blocks) > VIEW_BLOCKS:
        blocks = [*blocks[: VIEW_BLOCKS - 1], ELLIPSIS]
    return {"type": "home", "blocks": blocks}


def menu_modal(lang: str, channel: str | None) -> dict[str, Any]:
    """``/circle`` alone: a menu of what most people come for, instead of an error."""
    items = (
        Button(translate(N_("Next meetings"), lang), "schedule show"),
        Button(translate(N_("I will come to the next meeting"), lang), "rsvp yes", "success"),
        Button(translate(N_("Ground rules"), lang), "rules show"),
        Button(translate(N_("Ask my mentor"), lang), "consult"),
        Button(translate(N_("Crisis and support resources"), lang), "resources"),
        Button(translate(N_("What is stored about me"), lang), "privacy"),
        Button(translate(N_("All commands"), lang), "help"),
    )
    blocks: Blocks = text_blocks(translate(N_("What would you like to do?"), lang))
    blocks.extend(button_blocks(items))
    return {
        "type": "modal",
        "callback_id": MENU_CALLBACK,
        "private_metadata": json.dumps({"ch": channel}, separators=(",", ":")),
        "title": plain(translate(N_("circlekeeper"), lang), TITLE_LIMIT),
        "close": plain(translate(N_("Close"), lang), TITLE_LIMIT),
        "blocks": blocks,
    }
