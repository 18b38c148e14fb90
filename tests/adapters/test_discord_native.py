"""Discord conventions, end to end against the fake: embeds with fields, button styles that say
what they do, a destructive button that asks first, and live messages edited in place (PATCH)
instead of new posts. Every request is checked against Discord's OpenAPI description
(``fake.assert_clean``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.adapters.test_discord_adapter import (
    World,
    _circle_with_alice,
    _schedule_next_hour,
    world,
)
from tests.fakes.discord import buttons_of

__all__ = ["world"]

SUCCESS, SECONDARY, DANGER = 3, 2, 4


def _fields(message: dict[str, Any]) -> dict[str, str]:
    [embed] = message["embeds"]
    return {f["name"]: f["value"] for f in embed.get("fields") or []}


def _reminders(world: World, channel: str) -> list[dict[str, Any]]:
    return [m for m in world.fake.messages_in(channel) if "Reminder:" in (m["content"] or "")]


async def test_a_reminder_is_an_embed_whose_rsvp_count_is_edited_in_place(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    start = await _schedule_next_hour(world, channel)
    await world.run(world.alice, "circle notify", channel, where="channel")
    await world.run(world.lee, "circle notify", channel, where="channel")
    world.clock.set(start - timedelta(hours=24) + timedelta(seconds=5))
    await world.core.tick()
    [reminder] = _reminders(world, channel)

    # the content is the notification line; the embed carries the structure
    assert reminder["content"].startswith("Reminder: Tuesday Circle meets <t:")
    [embed] = reminder["embeds"]
    assert embed["title"] == "Meeting of Tuesday Circle"
    fields = _fields(reminder)
    assert fields["When"] == f"<t:{int(start.timestamp())}:F>"
    assert fields["Coming (0)"] == "Nobody yet"
    assert "rsvp yes" in embed["footer"]["text"]
    assert [(b["label"], b["style"]) for b in buttons_of(reminder)] == [
        ("Yes, I will come", SUCCESS),
        ("No, not this time", SECONDARY),
        ("Maybe", SECONDARY),
    ]

    patches_before = len(fake.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}"))
    ia = await world.press(world.alice, reminder, "Yes, I will come")
    assert "You are coming" in ia.text()
    # the same message now shows her: one PATCH, no new post
    [again] = _reminders(world, channel)
    assert again["id"] == reminder["id"]
    assert _fields(again)["Coming (1)"] == f"<@{world.alice}>"
    patches = fake.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}")
    assert len(patches) == patches_before + 1
    assert patches[-1].path.endswith(f"/channels/{channel}/messages/{reminder['id']}")
    assert [b["label"] for b in buttons_of(again)] == [
        "Yes, I will come",
        "No, not this time",
        "Maybe",
    ]

    await world.press(world.lee, again, "No, not this time")
    [third] = _reminders(world, channel)
    assert _fields(third)["Coming (1)"] == f"<@{world.alice}>"
    assert _fields(third)["Not this time"] == "1"
    fake.assert_clean()


async def test_a_dm_reminder_is_edited_in_the_dm(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    start = await _schedule_next_hour(world, channel)
    await world.run(world.alice, "circle notify", channel, where="dm")
    world.clock.set(start - timedelta(hours=24) + timedelta(seconds=5))
    await world.core.tick()
    [dm] = [m for m in fake.dm_messages(world.alice) if "Reminder:" in m["content"]]
    assert _fields(dm)["Coming (0)"] == "Nobody yet"
    await world.press(world.alice, dm, "Yes, I will come")
    [edited] = [m for m in fake.dm_messages(world.alice) if "Reminder:" in m["content"]]
    assert edited["id"] == dm["id"]
    assert _fields(edited)["Coming (1)"] == f"<@{world.alice}>"
    fake.assert_clean()


async def test_the_talking_piece_is_one_live_message_and_ending_asks_first(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    here = f"<@{world.lee}> <@{world.alice}>"
    ia = await world.run(world.lee, "circle session start", channel, minutes=2, present=here)
    assert "started" in ia.text().lower(), ia.text()
    pieces = [
        m for m in fake.messages_in(channel) if m["embeds"] and "talking piece" in m["content"]
    ]
    [piece] = pieces
    assert piece["embeds"][0]["title"] == "Talking piece"
    assert _fields(piece)["Speaking"] == f"<@{world.lee}>"
    styles = {b["label"]: b["style"] for b in buttons_of(piece)}
    assert styles == {"Done": SUCCESS, "Pass": SECONDARY, "End session": DANGER}
    end = next(b for b in buttons_of(piece) if b["label"] == "End session")
    assert end["custom_id"].startswith("ck:c:")  # asks before it runs

    posts = len(fake.messages_in(channel))
    await world.press(world.lee, piece, "Done")
    moved = fake.messages_in(channel)
    assert len(moved) == posts  # edited, not posted again
    live = next(m for m in moved if m["id"] == piece["id"])
    assert _fields(live)["Speaking"] == f"<@{world.alice}>"

    asked = await world.press(world.lee, live, "End session")
    assert asked.ephemeral and "Do you really want this: End session?" in asked.text()
    assert fake.messages_in(channel)[-1]["id"] == live["id"]  # nothing ran yet
    original = asked.original
    assert original is not None
    [really] = buttons_of(original)
    assert really["style"] == DANGER and really["custom_id"].startswith("ck:b:session end")
    await world.press(world.lee, original, "End session")
    assert "Closing bell" in (fake.messages_in(channel)[-1]["content"] or "")
    closed = next(m for m in fake.messages_in(channel) if m["id"] == piece["id"])
    assert buttons_of(closed) == []
    fake.assert_clean()


async def test_the_pinned_schedule_message_is_kept_up_to_date(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    start = await _schedule_next_hour(world, channel)
    [card] = [m for m in fake.pinned(channel) if m["embeds"]]
    assert card["embeds"][0]["title"] == "Schedule of Tuesday Circle"
    fields = _fields(card)
    assert fields["Next meeting"] == f"<t:{int(start.timestamp())}:F>"
    assert fields["Length"] == "90 minutes" and fields["Time zone"] == "UTC"
    assert "Skipped" not in fields

    # skipping the next meeting edits the same pinned message
    await world.run(world.lee, "circle schedule skip", channel, date=start.date().isoformat())
    [card2] = [m for m in fake.pinned(channel) if m["embeds"]]
    assert card2["id"] == card["id"]
    later = start + timedelta(weeks=1)
    assert _fields(card2)["Next meeting"] == f"<t:{int(later.timestamp())}:F>"
    assert _fields(card2)["Skipped"] == f"<t:{int(start.timestamp())}:F>"

    # once that meeting is over, the periodic pass moves it on (and only then)
    patches = len(fake.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}"))
    await world.core.tick()
    assert len(fake.requests_to("PATCH", "/channels/{channel_id}/messages/{message_id}")) == patches
    world.clock.set(later + timedelta(minutes=91))
    await world.core.tick()
    [card3] = [m for m in fake.pinned(channel) if m["embeds"]]
    after = later + timedelta(weeks=1)
    assert card3["id"] == card["id"]
    assert _fields(card3)["Next meeting"] == f"<t:{int(after.timestamp())}:F>"
    fake.assert_clean()


async def test_the_mentor_chart_is_an_embed_with_the_image_inside_and_alt_text(
    world: World,
) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    ia = await world.run(world.organizer, "circle mentor chart", channel)
    assert ia.ephemeral
    message = ia.original
    assert message is not None
    [embed] = message["embeds"]
    assert embed["title"] == "Tuesday Circle: attendance per meeting"
    assert embed["image"]["url"] == "attachment://attendance-tuesday-circle.png"
    assert {f["name"] for f in embed["fields"]} == {"Meetings recorded", "Skipped", "No record"}
    [attachment] = message["attachments"]
    assert attachment["filename"] == "attendance-tuesday-circle.png"
    assert attachment["description"].startswith("Bar chart of people present per meeting.")
    fake.assert_clean()
