"""People who leave (issue 9, item 9): someone who leaves the Discord server, or whose Slack
account is deactivated, is forgotten there, as forget-me would (seats pass on, counts stay)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.core.runtime import Core
from bot.platforms.discord import permissions as discord_permissions
from storage.models import Base
from tests.adapters.test_discord_adapter import WAIT, World
from tests.fakes.discord import FakeDiscord, Intents, discord_py_pointed_at
from tests.fakes.slack.world import SlackWorld


async def cells_naming(core: Core, user: str) -> list[str]:
    found = []
    async with core.sessions() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).all():
                for column, value in zip(table.columns, row, strict=True):
                    if value == user:
                        found.append(f"{table.name}.{column.name}")
    return found


async def forgotten(core: Core, user: str) -> bool:
    """Whether, within a few seconds, no cell names the person any more."""
    for _ in range(50):
        if not await cells_naming(core, user):
            return True
        await asyncio.sleep(0.1)
    return False


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    async with FakeDiscord(
        bot_permissions=discord_permissions.REQUIRED.value,
        privileged_intents=Intents.GUILD_MEMBERS,
    ) as fake:
        with discord_py_pointed_at(fake):
            w = World(fake, db_url)
            env = w.settings.env.model_copy(update={"DISCORD_MEMBERS_INTENT": True})
            w.settings = w.settings.model_copy(update={"env": env})
            await w.boot()
            try:
                yield w
            finally:
                await w.shutdown()


async def test_someone_who_leaves_the_discord_server_is_forgotten(world: World) -> None:
    fake = world.fake
    channel = await world.create_circle()
    ia = await world.run(world.lee, "circle add", channel, member=world.bob)
    assert "Added" in ia.text()
    assert await cells_naming(world.core, world.bob)
    fake.remove_member(world.bob)
    await fake.wait_for(
        lambda: not fake.can_view(channel, world.bob), WAIT, "the departed to lose the channel"
    )
    assert await forgotten(world.core, world.bob)


async def test_a_deactivated_slack_account_is_forgotten(db_url: str) -> None:
    async with SlackWorld(db_url) as w:
        org = w.person("olga", admin=True)
        lee, ana = w.person("lee"), w.person("ana")
        await w.circle(org, f'create "Tuesday circle" leader:{w.tag(lee)}')
        added = await w.circle(lee, f'add {w.tag(ana)} circle:"Tuesday circle"')
        assert "Added" in added.text
        assert await cells_naming(w.core, ana)
        team = w.fake.users[ana].team_id
        # Only a deactivation counts; another profile change forgets nothing.
        reply = await w.driver.event({"type": "user_change", "user": {"id": ana, "team_id": team}})
        assert reply.status == 200
        assert await cells_naming(w.core, ana)
        reply = await w.driver.event(
            {"type": "user_change", "user": {"id": ana, "team_id": team, "deleted": True}}
        )
        assert reply.status == 200
        assert await forgotten(w.core, ana)
