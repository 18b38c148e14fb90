"""Slack conventions, end to end against the fake: Block Kit (header, section fields, context,
divider, actions), primary/danger buttons with confirm dialogs, and live messages updated with
``chat.update`` instead of new posts. The fake checks every call against Slack's Web API
description (``w.fake.violations``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.platforms.slack.app import ASK_MENTOR_SHORTCUT
from bot.scheduling import attach
from tests.adapters.test_slack_adapter import agree_button, create_circle
from tests.fakes.slack import Message
from tests.fakes.slack.world import MANIFEST, SlackWorld


@pytest.fixture
async def w(db_url: str) -> AsyncIterator[SlackWorld]:
    async with SlackWorld(db_url) as world:
        yield world


def _fields(message: Message) -> list[str]:
    return [
        f["text"]
        for b in message.blocks or []
        if b["type"] == "section"
        for f in b.get("fields", [])
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
    reply = await w.circle(c.lee, f"session start minutes:2 present:<@{c.lee}>", channel=c.channel)
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


def _home_buttons(w: SlackWorld, user: str) -> dict[str, dict[str, Any]]:
    home = w.fake.home_view(user)
    assert home is not None
    return {
        e["text"]["text"]: e
        for b in home.view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def _home_text(w: SlackWorld, user: str) -> str:
    home = w.fake.home_view(user)
    assert home is not None
    return json.dumps(home.view, ensure_ascii=False)


async def _open_home(w: SlackWorld, user: str) -> None:
    before = len(w.fake.calls_to("views.publish"))
    assert (await w.driver.app_home_opened(user)).status == 200
    await w.fake.wait_until(lambda: len(w.fake.calls_to("views.publish")) > before)


async def test_app_home_is_a_dashboard_by_role(w: SlackWorld) -> None:
    c = await create_circle(w)
    ana = w.person("ana")
    await w.press(c.lee, *agree_button(w, c.lee))
    await w.circle(c.lee, f"add {w.tag(ana)}", channel=c.channel)
    await w.press(ana, *agree_button(w, ana))
    await w.circle(c.lee, "schedule set day:tuesday time:19:00 timezone:UTC", channel=c.channel)

    await _open_home(w, ana)
    text = _home_text(w, ana)
    assert "*Tuesday circle* · member" in text and "Next meeting: <!date^" in text
    assert "You have not answered yet." in text
    buttons = _home_buttons(w, ana)
    assert buttons["Yes, I will come"]["style"] == "primary"
    assert {"Ground rules", "Crisis and support resources", "Refresh"} <= set(buttons)
    assert "Roster" not in buttons and "Attendance chart" not in buttons
    home = w.fake.home_view(ana)
    assert home is not None
    # RSVP from the dashboard: the answer shows in a modal and the card updates
    publishes = len(w.fake.calls_to("views.publish"))
    await w.driver.click(ana, home, buttons["Yes, I will come"]["action_id"])
    await w.fake.wait_until(lambda: len(w.fake.calls_to("views.publish")) > publishes)
    assert any("You are coming" in json.dumps(v.view) for v in w.fake.open_modals(ana))
    assert "You said you will come." in _home_text(w, ana)
    assert "Coming so far: 1" in _home_text(w, ana)

    await _open_home(w, c.lee)
    assert {"Roster", "Post a prompt", "Schedule"} <= set(_home_buttons(w, c.lee))
    assert "*Tuesday circle* · leader" in _home_text(w, c.lee)

    await _open_home(w, c.maya)
    maya = _home_buttons(w, c.maya)
    assert {"Status", "Attendance chart"} <= set(maya) and "Yes, I will come" not in maya
    assert "Mentor status" in _home_text(w, c.maya)
    # the chart from the dashboard reaches her DM as an image with alt text
    home = w.fake.home_view(c.maya)
    assert home is not None
    await w.driver.click(c.maya, home, maya["Attendance chart"]["action_id"])
    await w.fake.wait_until(lambda: any(f.alt_txt for f in w.fake.files.values()))
    [chart] = [f for f in w.fake.files.values() if f.alt_txt]
    assert chart.alt_txt is not None and chart.alt_txt.startswith("Bar chart of people present")
    assert w.fake.violations == []


async def test_ask_my_mentor_shortcut_and_the_circle_menu(w: SlackWorld) -> None:
    c = await create_circle(w)
    ana = w.person("ana")
    await w.press(c.lee, *agree_button(w, c.lee))
    await w.circle(c.lee, f"add {w.tag(ana)}", channel=c.channel)
    await w.press(ana, *agree_button(w, ana))

    # the global shortcut opens the consult form, from anywhere
    assert (await w.driver.shortcut(ana, "ck_ask_mentor")).status == 200
    await w.fake.wait_until(lambda: len(w.fake.open_modals(ana)) == 1)
    [form] = w.fake.open_modals(ana)
    assert form.view["callback_id"] == "ck_form"
    assert next(b["block_id"] for b in form.view["blocks"] if b["type"] == "input") == "message"

    # /circle alone opens a menu instead of an error; its buttons work in place
    lee_before = len(w.fake.open_modals(c.lee))
    await w.circle_modal(c.lee, "", channel=c.channel)
    menu = w.fake.open_modals(c.lee)[lee_before]
    assert menu.view["callback_id"] == "ck_menu"
    labels = {
        e["text"]["text"]: e
        for b in menu.view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert {"Next meetings", "Ground rules", "Ask my mentor", "All commands"} <= set(labels)
    await w.driver.click(c.lee, menu, labels["Ground rules"]["action_id"])
    await w.fake.wait_until(lambda: w.fake.views[menu.id].view["callback_id"] == "ck_result")
    assert "Ground rules of Tuesday circle" in json.dumps(w.fake.views[menu.id].view)
    assert w.fake.violations == []


def test_the_manifest_declares_the_ask_my_mentor_shortcut() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    block = text[text.index("  shortcuts:") : text.index("  slash_commands:")]
    assert "- name: Ask my mentor" in block and "type: global" in block
    assert f"callback_id: {ASK_MENTOR_SHORTCUT}" in block
