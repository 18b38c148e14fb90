"""Slack conventions, end to end against the fake: Block Kit (header, section fields, context,
divider, actions), primary/danger buttons with confirm dialogs, and live messages updated with
``chat.update`` instead of new posts. The fake checks every call against Slack's Web API
description (``w.fake.violations``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.scheduling import attach
from tests.adapters.test_slack_adapter import agree_button, create_circle
from tests.fakes.slack import Message
from tests.fakes.slack.world import SlackWorld


@pytest.fixture
async def w(db_url: str) -> AsyncIterator[SlackWorld]:
    async with SlackWorld(db_url) as world:
        yield world


def _fields(message: Message) -> list[str]:
    return [
        f["text"] for b in message.blocks or [] if b["type"] == "section" for f in b.get("fields", [])
    ]


def _types(message: Message) -> list[str]:
    return [b["type"] for b in message.blocks or []]


def _button(message: Message, prefix: str) -> dict[str, Any]:
    return next(b for b in message.buttons() if b["value"].startswith(prefix))


async def test_a_reminder_is_block_kit_and_its_count_is_updated_in_place(w: SlackWorld) -> None:
    attach(w.core)
    c = await create_circle(w)
    ana = w.person("ana")
    await w.press(c.lee, *agree_button(w, c.lee))
    await w.circle(c.lee, f"add {w.tag(ana)}", channel=c.channel)
    await w.press(ana, *agree_button(w, ana))
    await w.circle(c.lee, "notify channel", channel=c.channel)
    await w.circle(ana, "notify channel", channel=c.channel)
    await w.circle(
        c.lee, "schedule set day:tuesday time:19:00 timezone:Europe/Madrid", channel=c.channel
    )
    w.clock.advance(timedelta(hours=3, minutes=1))
    await w.core.tick()
    [reminder] = [m for m in w.fake.messages_in(c.channel) if "Reminder" in (m.text or "")]

    assert _types(reminder) == ["header", "section", "context", "divider", "actions"]
    assert reminder.blocks is not None
    assert reminder.blocks[0]["text"]["text"] == "Meeting of Tuesday circle"
    fields = _fields(reminder)
    assert fields[0].startswith("*When*\n<!date^")
    assert "*Coming (0)*\nNobody yet" in fields
    # the fallback text (notifications, screen readers) says everything the blocks say
    assert reminder.text is not None
    assert reminder.text.startswith("Reminder: Tuesday circle meets <!date^")
    assert "Coming (0): Nobody yet" in reminder.text
    yes = _button(reminder, "rsvp yes")
    assert yes["style"] == "primary" and "style" not in _button(reminder, "rsvp no")

    await w.press(ana, reminder, yes["action_id"])
    [same] = [m for m in w.fake.messages_in(c.channel) if "Reminder" in (m.text or "")]
    assert same.ts == reminder.ts and same.edited
    assert f"*Coming (1)*\n<@{ana}>" in _fields(same)
    # one update of the channel's copy (Maya's DM copy is updated too: she sits in)
    assert [u.params["channel"] for u in w.fake.calls_to("chat.update")].count(c.channel) == 1
    assert w.fake.violations == []


async def test_destructive_buttons_carry_a_confirm_dialog(w: SlackWorld) -> None:
    c = await create_circle(w)
    await w.press(c.lee, *agree_button(w, c.lee))
    reply = await w.circle(c.lee, "session start minutes:2", channel=c.channel)
    assert "started" in reply.text.lower(), reply.text
    [piece] = [m for m in w.fake.messages_in(c.channel) if "talking piece" in (m.text or "")]
    assert _types(piece)[0] == "header"
    end = _button(piece, "session end")
    assert end["style"] == "danger"
    assert end["confirm"]["style"] == "danger"
    assert end["confirm"]["title"]["text"] == "End the session?"
    assert _button(piece, "session next")["style"] == "primary"

    forget = await w.circle(c.lee, "forget-me")
    [delete] = [e for b in forget.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert delete["style"] == "danger" and delete["confirm"]["deny"]["text"] == "Keep it"

    # pressing Done moves the piece in the same message (chat.update, no new post)
    posts = len(w.fake.messages_in(c.channel))
    await w.press(c.lee, piece, _button(piece, "session next")["action_id"])
    assert len(w.fake.messages_in(c.channel)) == posts
    assert w.fake.violations == []
