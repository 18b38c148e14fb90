"""Block Kit rendering and pacing of the Slack adapter (no network)."""

from __future__ import annotations

import pytest

from bot.platforms.slack import render
from bot.port import Button, Form, FormField, Message
from tests.fakes.slack.blocks import validate_blocks, validate_view


def test_text_is_escaped_but_our_tokens_are_kept() -> None:
    text = "Tom & Jerry <script> <@U0ABC|ana> <!date^1767225600^{time}|19:00>"
    assert render.escape(text) == (
        "Tom &amp; Jerry &lt;script&gt; <@U0ABC|ana> <!date^1767225600^{time}|19:00>"
    )


def test_slash_command_text_is_unescaped() -> None:
    assert render.unescape("Tea &amp; talk &lt;3 <@U0ABC|ana>") == "Tea & talk <3 <@U0ABC|ana>"
    assert render.unescape("&amp;lt;") == "&lt;"


def test_long_text_is_split_into_valid_sections() -> None:
    rules = "\n".join(f"{n}. " + "word " * 150 for n in range(1, 9))  # about 6000 characters
    rendered = render.message(Message(rules, (Button("I agree", "rules agree version:1"),)))
    assert validate_blocks(rendered.blocks) == []
    sections = [b for b in rendered.blocks if b["type"] == "section"]
    assert len(sections) >= 2
    assert all(len(b["text"]["text"]) <= render.SECTION_LIMIT for b in sections)
    assert "".join(b["text"]["text"] for b in sections).replace("\n", "") == rules.replace("\n", "")
    assert rendered.text == rules  # the fallback carries everything (screen readers)


def test_buttons_carry_their_command() -> None:
    buttons = tuple(Button(f"Option {n}", f"rsvp yes date:2026-03-{n:02d}") for n in range(1, 30))
    blocks = render.button_blocks(buttons)
    assert validate_blocks(blocks) == []
    values = [e["value"] for b in blocks for e in b["elements"]]
    assert values == [b.command for b in buttons]
    with pytest.raises(ValueError):
        render.button_blocks((Button("x", "y" * 2001),))


def test_form_modal_is_valid() -> None:
    form = Form(
        "Edit the ground rules of this circle",
        "rules edit",
        (FormField("text", "Ground rules", multiline=True, max_length=4000, value="1. Listen."),),
        {"circle": "#1"},
    )
    view = render.form_modal(form, {"c": form.command, "x": form.fixed}, "en")
    assert validate_view(view, expect="modal") == []
    (field,) = view["blocks"]
    assert field["block_id"] == "text" and field["element"]["max_length"] == 3000
    assert field["element"]["initial_value"] == "1. Listen."


def test_home_view_is_valid_even_when_long() -> None:
    sections = [(f"Heading {n}", "line\n" * 900) for n in range(20)]
    view = render.home_view(sections, (Button("Advance stage", "mentor stage advance"),), "en")
    assert validate_view(view, expect="home") == []
