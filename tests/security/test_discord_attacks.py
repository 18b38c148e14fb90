"""Attacks and failures through Discord (issue 9, items 3, 6, 10, 11): the real discord.py
against the fake Discord API over loopback, with the real core and database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.models import Circle, Consult
from tests.adapters.test_discord_adapter import WAIT, World, world

__all__ = ["world"]  # the shared fixture of the Discord adapter tests
from tests.fakes.discord.constants import INTERACTION_COMPONENT


async def circle_with_mentor(world: World) -> tuple[str, str]:
    """(channel, mentor): "Sunday Circle" led by Lee, mentored by Maria, with Alice in it."""
    fake = world.fake
    mentor = fake.add_member("maria")
    ia = await world.run(
        world.organizer, "circle create", name="Sunday Circle", leader=world.lee, mentor=mentor
    )
    assert "Created the circle" in ia.text(), ia.text()
    channel = str(fake.channel_by_name("circle-sunday-circle")["id"])  # type: ignore[index]
    ia = await world.run(world.lee, "circle add", channel, member=world.alice)
    assert "Added" in ia.text(), ia.text()
    return channel, mentor


def mentions_in(world: World, channel: str, user: str) -> list[str]:
    return [
        m["content"] or ""
        for m in world.fake.messages_in(channel)
        if f"<@{user}>" in (m["content"] or "")
    ]


async def test_a_closed_dm_never_names_an_anonymous_asker_in_the_channel(world: World) -> None:
    fake = world.fake
    channel, mentor = await circle_with_mentor(world)
    ia = await world.run(world.alice, "circle consult", channel, message="please", anonymous=True)
    assert "without your name" in ia.text()
    [request] = [m for m in fake.dm_messages(mentor) if "please" in m["content"]]
    fake.close_dms(world.alice)
    before = mentions_in(world, channel, world.alice)
    ack = await world.press(mentor, request, "Acknowledge")
    assert "could not reach the person who asked" in ack.text()
    reply = await world.press(mentor, request, "Reply")
    assert reply.modal is not None
    sub = await fake.submit_modal(mentor, {"message": "I am here for you"})
    await sub.wait_done(WAIT)
    assert "could not be delivered" in sub.text()
    assert mentions_in(world, channel, world.alice) == before  # nobody was pointed at


async def test_a_consult_to_a_mentor_with_closed_dms_tells_the_truth(world: World) -> None:
    fake = world.fake
    channel, mentor = await circle_with_mentor(world)
    fake.close_dms(mentor)
    before = len(fake.messages_in(channel))
    ia = await world.run(
        world.alice, "circle consult", channel, message="it is bad", anonymous=True
    )
    assert "did not reach the mentor" in ia.text() and "went to" not in ia.text()
    assert len(fake.messages_in(channel)) == before  # no notice in the shared channel
    async with world.core.sessions() as s:
        [row] = (await s.execute(select(Consult))).scalars().all()
    assert row.delivered is False and row.asker_id is None  # kept as pending, no words
    # The mentor learns of it privately, and can answer without learning who asked.
    status = await world.run(mentor, "circle mentor status", channel)
    assert status.ephemeral and "could not reach the mentor" in status.text()
    assert f"{row.id}" in status.text()
    answer = await world.run(
        mentor, "circle mentor reply", channel, id=row.id, message="Please write again"
    )
    assert "delivered privately" in answer.text()
    assert any("Please write again" in m["content"] for m in fake.dm_messages(world.alice))


async def test_a_failed_add_leaves_no_access_behind(world: World) -> None:
    fake = world.fake
    channel = await world.create_circle()
    # The welcome DM is refused (Missing Access): not essential, the person is added anyway.
    fake.fail_next("POST /channels/{channel_id}/messages", status=403, code=50001)
    ia = await world.run(world.lee, "circle add", channel, member=world.bob)
    assert "Added" in ia.text(), ia.text()
    assert fake.can_view(channel, world.bob)
    ia = await world.run(world.lee, "circle remove", channel, member=world.bob)
    assert "Removed" in ia.text()  # the membership row is there to remove
    assert not fake.can_view(channel, world.bob)


async def test_a_failed_rules_edit_leaves_version_one_pinned(world: World) -> None:
    fake = world.fake
    channel = await world.create_circle()
    await world.run(world.lee, "circle add", channel, member=world.bob)
    [v1] = fake.pinned(channel)
    # Taking everyone's posting away again fails half-way (the bot lost Manage Roles here).
    fake.fail_next("PUT /channels/{channel_id}/permissions/{overwrite_id}", 403, code=50013)
    ia = await world.run(world.lee, "circle rules edit", channel, text="1. Be kind.")
    assert "missing a permission" in ia.text()
    assert [m["id"] for m in fake.pinned(channel)] == [v1["id"]]
    assert not any("1. Be kind." in (m["content"] or "") for m in fake.messages_in(channel))
    shown = await world.run(world.bob, "circle rules show", channel)
    assert "version 1" in shown.text() or "Be kind" not in shown.text()


async def test_a_forged_button_cannot_act_in_another_server(world: World) -> None:
    fake = world.fake
    other = "999999999999999999"
    async with world.core.sessions() as s, s.begin():
        s.add(
            Circle(
                platform="discord",
                workspace_id=other,
                name="Another server's circle",
                name_key="another server's circle",
                channel_id="123456789012345678",
                created_at=datetime.now(UTC),
            )
        )
    # The owner of this server (an organizer here) presses a button whose custom_id names the
    # other server, in a channel of this server.
    data = {"custom_id": f"ck:g:{other}:list", "component_type": 2}
    payload = fake._base_interaction(
        INTERACTION_COMPONENT, world.organizer, fake.general_channel_id, data
    )
    ia = await fake.send_interaction(payload, world.organizer)
    await ia.wait_done(WAIT)
    assert "Another server's circle" not in ia.text()
