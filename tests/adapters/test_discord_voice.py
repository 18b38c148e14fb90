"""``[discord] voice_channels = true``: each circle gets a private voice channel with its text
channel's access, and its next meeting is a Guild Scheduled Event of type VOICE there, which in
Discord's permission model (the fake's) only people who can see the channel see. Never
EXTERNAL. Every request is checked against Discord's OpenAPI description."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.config import FileSettings, Settings
from bot.platforms.discord import permissions as discord_permissions
from tests.adapters.test_discord_adapter import (
    World,
    _circle_with_alice,
    _schedule_next_hour,
    world,
)
from tests.fakes.discord import FakeDiscord, P, discord_py_pointed_at

__all__ = ["world"]

VOICE_CHANNEL, EVENT_VOICE = 2, 2


@pytest.fixture
async def voice_world(db_url: str) -> AsyncIterator[World]:
    needed = discord_permissions.required(voice_channels=True).value
    async with FakeDiscord(bot_permissions=needed) as fake:
        with discord_py_pointed_at(fake):
            w = World(fake, db_url)
            w.settings = Settings(
                file=FileSettings.model_validate(
                    {"discord": {"voice_channels": True}, "circles": {"timezone": "UTC"}}
                ),
                env=w.settings.env,
            )
            await w.boot()
            try:
                yield w
            finally:
                await w.shutdown()


def _start_of(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["scheduled_start_time"])


async def test_a_circle_meets_in_a_private_voice_channel_with_a_voice_event(
    voice_world: World,
) -> None:
    w, fake = voice_world, voice_world.fake
    channel = await _circle_with_alice(w)
    assert fake.scheduled_events == {}  # no schedule yet: no event, no voice channel
    start = await _schedule_next_hour(w, channel)

    text = fake.channels[channel]
    [voice] = [
        c
        for c in fake.channels.values()
        if c["type"] == VOICE_CHANNEL and c["parent_id"] == text["parent_id"]
    ]
    assert voice["name"] == text["name"]
    [event] = fake.scheduled_events.values()
    assert event["entity_type"] == EVENT_VOICE and event["channel_id"] == voice["id"]
    assert event["privacy_level"] == 2 and event["name"] == "Tuesday Circle"
    assert _start_of(event) == start
    # only the circle sees the channel and the event; members may join and speak
    for person in (w.alice, w.lee):
        assert fake.has_permission(voice["id"], person, P.VIEW_CHANNEL | P.CONNECT | P.SPEAK)
        assert event in fake.events_visible_to(person)
    assert not fake.can_view(voice["id"], w.carol)
    assert fake.events_visible_to(w.carol) == []

    # a skipped meeting moves the event to the next one (the same event, PATCHed)
    day = start.date().isoformat()
    ia = await w.run(w.lee, "circle schedule skip", channel, date=day)
    assert "skip" in ia.text().lower(), ia.text()
    [moved] = fake.scheduled_events.values()
    assert moved["id"] == event["id"] and _start_of(moved) == start + timedelta(weeks=1)

    # after that meeting has ended, the event rolls forward to the one after
    w.clock.set(start + timedelta(weeks=1, minutes=91))
    await w.core.tick()
    [rolled] = fake.scheduled_events.values()
    assert rolled["id"] == event["id"] and _start_of(rolled) == start + timedelta(weeks=2)

    # a person removed from the circle no longer sees its voice channel or event
    await w.run(w.lee, "circle remove", channel, member=w.alice)
    assert not fake.can_view(voice["id"], w.alice)
    assert fake.events_visible_to(w.alice) == []

    posted = fake.requests_to("POST", "/guilds/{guild_id}/scheduled-events")
    assert len(posted) == 1 and all(r.body["entity_type"] != 3 for r in posted)
    fake.assert_clean()


async def test_without_the_setting_there_is_no_voice_channel_or_event(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    await _schedule_next_hour(world, channel)
    assert fake.scheduled_events == {}
    assert [c for c in fake.channels.values() if c["type"] == VOICE_CHANNEL] == []
    assert fake.requests_to("GET", "/guilds/{guild_id}/scheduled-events") == []
    fake.assert_clean()


def test_the_invite_asks_for_voice_permissions_only_when_they_are_used() -> None:
    plain = discord_permissions.required()
    voice = discord_permissions.required(voice_channels=True)
    assert not (plain.connect or plain.speak or plain.create_events)
    assert voice.connect and voice.speak and voice.create_events
    assert voice.value & plain.value == plain.value
