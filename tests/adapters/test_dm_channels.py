"""DM channel IDs outlive a restart (issue 14): a restarted bot sends a DM with one request, not
two, and a DM channel the platform no longer knows is dropped and opened again. Real discord.py
and slack_sdk against the fakes; the IDs live in the database (``dm_channels``), and forget-me
deletes them with everything else that names the person (``PERSON_COLUMNS``)."""

from __future__ import annotations

from sqlalchemy import select

from bot.platforms.slack.port import SlackPort
from bot.port import Message
from storage.models import PERSON_COLUMNS, DmChannel
from tests.adapters.test_discord_adapter import World, world

__all__ = ["world"]  # the shared fixture of the Discord adapter tests
from tests.fakes.slack.world import SlackWorld


async def stored(core: object, platform: str) -> list[tuple[str, str, str]]:
    async with core.sessions() as s:  # type: ignore[attr-defined]
        rows = await s.execute(
            select(DmChannel.workspace_id, DmChannel.user_id, DmChannel.channel_id).where(
                DmChannel.platform == platform
            )
        )
        return [tuple(r) for r in rows.all()]


async def test_discord_dm_channel_is_reused_after_a_restart_and_reopened_when_stale(
    world: World,
) -> None:
    fake, guild, alice = world.fake, world.fake.guild_id, world.alice

    def opens() -> int:
        return len(fake.requests_to("POST", "/users/@me/channels"))

    before = opens()
    await world.adapter.port.dm(guild, alice, Message("one"))
    assert opens() == before + 1
    await world.adapter.port.dm_channels.drain()
    first = fake.dm_channel_of(alice)
    assert await stored(world.core, "discord") == [("", alice, first)]

    await world.restart_bot()
    await world.adapter.port.dm(guild, alice, Message("two"))
    assert opens() == before + 1, "the restarted bot reused the stored DM channel"
    assert [m["content"] for m in fake.messages_in(first)] == ["one", "two"]

    del fake.channels[first]  # Discord forgot that DM channel: sending to it answers 10003
    await world.adapter.port.dm(guild, alice, Message("three"))
    second = fake.dm_channel_of(alice)
    assert second is not None and second != first
    assert opens() == before + 2
    assert [m["content"] for m in fake.messages_in(second)] == ["three"]
    await world.adapter.port.dm_channels.drain()
    assert await stored(world.core, "discord") == [("", alice, second)]
    fake.assert_clean()


async def test_slack_dm_channel_is_reused_after_a_restart_and_reopened_when_stale(
    db_url: str,
) -> None:
    async with SlackWorld(db_url) as w:
        team, ana = w.fake.team.id, w.person("ana")

        def opens() -> int:
            return sum(1 for c in w.fake.calls if c.method == "conversations.open")

        port = w.adapter.port
        await port.dm(team, ana, Message("one"))
        assert opens() == 1
        await port.dm_channels.drain()
        first = w.fake.dm_channel(ana)
        assert first is not None
        assert await stored(w.core, "slack") == [(team, ana, first.id)]

        restarted = SlackPort(w.core, w.adapter.clients, pacing=0)
        await restarted.dm(team, ana, Message("two"))
        assert opens() == 1, "the restarted bot reused the stored DM channel"

        del w.fake.channels[first.id]  # Slack answers channel_not_found for it now
        await restarted.dm(team, ana, Message("three"))
        second = w.fake.dm_channel(ana)
        assert second is not None and second.id != first.id and opens() == 2
        assert [m.text for m in w.fake.messages_in(second.id)] == ["three"]
        await restarted.dm_channels.drain()
        assert await stored(w.core, "slack") == [(team, ana, second.id)]


def test_forget_me_covers_dm_channels() -> None:
    assert (DmChannel, "user_id") in PERSON_COLUMNS
