"""The Discord adapter end to end: real discord.py, the real core and database, and the strict
fake Discord API (``tests/fakes/discord/``) over loopback HTTP and websocket.

People act the way they would in Discord: they type slash commands, press buttons on messages
(also in DMs, also after the bot restarted) and fill in modals. Assertions are about what they
would notice: who can see and post in a channel, what each person is told, what arrives where.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
import time
from collections.abc import AsyncIterator
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from bot.commands.context import Invocation
from bot.commands.reply import Status
from bot.commands.spec import OptType
from bot.config import ConfigError, Environment, FileSettings, Settings, load_settings
from bot.core import notices
from bot.core.clock import ManualClock
from bot.core.runtime import Core
from bot.platforms.discord import DiscordAdapter, config_from
from bot.platforms.discord import permissions as discord_permissions
from bot.platforms.discord import port as discord_port
from bot.platforms.discord.commands import CommandMap
from bot.port import ErrorKind, Message, PlatformError
from bot.scheduling import attach
from bot.wiring import build_router, start_core
from storage import repos
from tests.fakes.discord import (
    CHANNEL_CATEGORY,
    EPHEMERAL,
    FakeDiscord,
    FakeInteraction,
    FakeRefused,
    Intents,
    P,
    buttons_of,
    discord_py_pointed_at,
)

WAIT = 10.0
AGREE = "I agree to the ground rules"


class World:
    """A Discord server with the bot in it, and a few people."""

    def __init__(self, fake: FakeDiscord, db_url: str) -> None:
        self.fake = fake
        self.settings = Settings(
            file=FileSettings.model_validate({"circles": {"timezone": "UTC"}}),
            env=Environment(
                DISCORD_TOKEN=fake.token,
                DISCORD_API_BASE_URL=fake.api_base,
                DISCORD_GATEWAY_URL=fake.gateway_url,
                DISCORD_GUILD_ID=fake.guild_id,
                CIRCLEKEEPER_DATABASE_URL=db_url,
            ),
        )
        self.clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
        self.organizer = fake.owner_id
        self.lee = fake.add_member("lee")
        self.alice = fake.add_member("alice")
        self.bob = fake.add_member("bob")
        self.carol = fake.add_member("carol")
        self.core: Core
        self.adapter: DiscordAdapter

    async def boot(self) -> None:
        self.core = await start_core(self.settings, self.clock)
        self.router = build_router(self.core)
        attach(self.core)
        await self.start_bot()

    async def start_bot(self) -> None:
        config = dataclasses.replace(config_from(self.core), guild_ready_timeout=0.1)
        self.adapter = DiscordAdapter(self.core, self.router, config)
        await self.adapter.start()
        await self.adapter.wait_ready(WAIT)

    async def restart_bot(self) -> None:
        await self.adapter.stop()
        await self.start_bot()

    async def shutdown(self) -> None:
        await self.adapter.stop()
        await self.core.engine.dispose()

    async def run(
        self, user: str, command: str, channel: str | None = None, **options: Any
    ) -> FakeInteraction:
        ia = await self.fake.slash(user, channel or self.fake.general_channel_id, command, options)
        return await ia.wait_done(WAIT)

    async def press(self, user: str, message: dict[str, Any], label: str) -> FakeInteraction:
        ia = await self.fake.press_button(user, message, label=label)
        return await ia.wait_done(WAIT)

    async def create_circle(self, name: str = "Tuesday Circle") -> str:
        ia = await self.run(self.organizer, "circle create", name=name, leader=self.lee)
        assert "Created the circle" in ia.text(), ia.text()
        channel = self.fake.channel_by_name("circle-" + name.lower().replace(" ", "-"))
        assert channel is not None
        return str(channel["id"])

    def rules_message(self, channel: str) -> dict[str, Any]:
        [pinned] = self.fake.pinned(channel)
        return pinned


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[World]:
    # the bot was added with `circlekeeper discord invite-url`: exactly what it asks for
    async with FakeDiscord(bot_permissions=discord_permissions.REQUIRED.value) as fake:
        with discord_py_pointed_at(fake):
            w = World(fake, db_url)
            await w.boot()
            try:
                yield w
            finally:
                await w.shutdown()


# --------------------------------------------------------------------------------------------
async def test_every_declared_command_is_a_discord_command(world: World) -> None:
    fake = world.fake
    [registered] = fake.guild_commands[fake.guild_id]  # DISCORD_GUILD_ID: synced to the guild
    assert registered["name"] == "circle"
    assert fake.global_commands == []
    mapping = CommandMap(world.router.registry)
    declared = list(world.router.registry)
    assert len(list(mapping)) == len(declared)

    def find(words: tuple[str, ...]) -> dict[str, Any]:
        node: dict[str, Any] = registered
        for w in words:
            node = next(o for o in node["options"] if o["name"] == w)
        return node

    for spec in declared:
        node = find(mapping.for_spec(spec).words)
        assert node["type"] == 1, spec.name
        got = {o["name"]: o for o in node["options"]}
        wanted = {o.name for o in spec.options}
        if spec.circle.value != "none" and spec.option("circle") is None:
            wanted.add("circle")
        assert set(got) == wanted, spec.name
        for opt in spec.options:
            o = got[opt.name]
            assert bool(o.get("required")) == opt.required, (spec.name, opt.name)
            expected_type = {OptType.INT: 4, OptType.BOOL: 5, OptType.USER: 6}.get(opt.type, 3)
            assert o["type"] == expected_type, (spec.name, opt.name)
            if opt.type is OptType.CHOICE:
                listed = [c["value"] for c in o.get("choices") or []]
                assert listed == list(opt.choices) or (o.get("autocomplete") and not listed)
            if opt.type is OptType.INT and opt.min is not None:
                assert o["min_value"] == opt.min
            if opt.type is OptType.CIRCLE:
                assert o["autocomplete"] is True
    # the fewest intents: guilds only, never message content
    assert [i["intents"] for i in fake.identifies] == [Intents.GUILDS]
    fake.assert_clean()


async def test_commands_are_not_synced_again_when_unchanged(world: World) -> None:
    puts = len(
        world.fake.requests_to("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    )
    assert puts == 1
    assert await world.adapter.sync_commands() is False
    assert (
        len(
            world.fake.requests_to(
                "PUT", "/applications/{application_id}/guilds/{guild_id}/commands"
            )
        )
        == 1
    )


async def test_create_gives_a_channel_only_members_can_see(world: World) -> None:
    fake = world.fake
    channel = await world.create_circle()
    ch = fake.channels[channel]
    assert fake.channels[str(ch["parent_id"])]["type"] == CHANNEL_CATEGORY
    assert fake.channels[str(ch["parent_id"])]["name"] == "Circles"
    # only the leader (and the bot) can see it; others in the server cannot
    assert fake.can_view(channel, world.lee)
    assert not fake.can_send(channel, world.lee)  # not agreed to the ground rules yet
    for outsider in (world.alice, world.bob, world.carol):
        assert not fake.can_view(channel, outsider)
    assert fake.can_send(channel, fake.bot_user_id)
    # the ground rules are posted and pinned, with an agree button
    rules = world.rules_message(channel)
    assert "Ground rules of Tuesday Circle" in " ".join(fake_texts(rules))
    assert [b["label"] for b in buttons_of(rules)]

    # the leader agrees, then adds Alice from the circle channel
    ia = await world.press(world.lee, rules, AGREE)
    assert ia.ephemeral and "You agreed" in ia.text()
    assert fake.can_send(channel, world.lee)
    assert fake.has_permission(channel, world.lee, P.MANAGE_MESSAGES)
    ia = await world.run(world.lee, "circle add", channel, member=world.alice)
    assert "Added <@" in ia.text()
    assert fake.can_view(channel, world.alice) and not fake.can_send(channel, world.alice)
    with pytest.raises(FakeRefused):
        fake.user_posts(channel, world.alice, "hello")
    assert not fake.can_view(channel, world.bob)

    # Alice was welcomed by DM; agreeing there (a button in a DM) lets her post
    [welcome] = fake.dm_messages(world.alice)
    assert "Welcome to Tuesday Circle" in welcome["content"]
    # a DM has no server, so its buttons name it; the command itself rides in the custom_id
    agree_id = next(b["custom_id"] for b in buttons_of(welcome) if b["label"] == AGREE)
    assert agree_id.startswith(f"ck:g:{fake.guild_id}:rules agree version:1 circle:#")
    ia = await world.press(world.alice, welcome, AGREE)
    assert "You agreed" in ia.text()
    assert fake.can_send(channel, world.alice)
    fake.user_posts(channel, world.alice, "hello")

    # removing her takes the access away again
    ia = await world.run(world.lee, "circle remove", channel, member=world.alice)
    assert "Removed" in ia.text()
    assert not fake.can_view(channel, world.alice)
    fake.assert_clean()
    assert fake.rate_limit_hits == []


def fake_texts(message: dict[str, Any]) -> list[str]:
    out = [message.get("content") or ""]
    out += [e.get("description") or "" for e in message.get("embeds") or []]
    return out


async def _circle_with_alice(world: World) -> str:
    channel = await world.create_circle()
    await world.press(world.lee, world.rules_message(channel), AGREE)
    await world.run(world.lee, "circle add", channel, member=world.alice)
    [welcome] = world.fake.dm_messages(world.alice)
    await world.press(world.alice, welcome, AGREE)
    return channel


async def _schedule_next_hour(world: World, channel: str) -> datetime:
    """A weekly meeting starting about 26 hours from now (local time UTC)."""
    start = (world.clock.now() + timedelta(hours=26)).replace(minute=0, second=0)
    day = start.strftime("%A").lower()
    ia = await world.run(
        world.lee,
        "circle schedule set",
        channel,
        day=day,
        time=start.strftime("%H:%M"),
        timezone="UTC",
    )
    assert "meets" in ia.text().lower() or "schedule" in ia.text().lower(), ia.text()
    return start


async def test_a_reminder_reaches_the_channel_and_a_dm(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    start = await _schedule_next_hour(world, channel)
    ia = await world.run(world.alice, "circle notify", channel, where="dm")
    assert ia.ephemeral
    await world.run(world.lee, "circle notify", channel, where="channel")
    before = len(fake.dm_messages(world.alice))
    # the 24-hour reminder falls due
    world.clock.set(start - timedelta(hours=24) + timedelta(seconds=5))
    await world.core.tick()
    reminders = [m for m in fake.messages_in(channel) if "Reminder:" in (m["content"] or "")]
    assert len(reminders) == 1
    assert f"<t:{int(start.timestamp())}:F>" in reminders[0]["content"]  # each reader's own time
    assert [b["label"] for b in buttons_of(reminders[0])] == [
        "Yes, I will come",
        "No, not this time",
        "Maybe",
    ]
    dms = fake.dm_messages(world.alice)[before:]
    assert len(dms) == 1 and "Reminder:" in dms[0]["content"]
    # every delivery carried a nonce that Discord enforces
    posts = [
        r.body
        for r in fake.requests_to("POST", "/channels/{channel_id}/messages")
        if "Reminder:" in (r.body or {}).get("content", "")
    ]
    assert posts and all(p["enforce_nonce"] is True and len(p["nonce"]) <= 25 for p in posts)
    # running the dispatcher again sends nothing twice
    await world.core.tick()
    assert len([m for m in fake.messages_in(channel) if "Reminder:" in (m["content"] or "")]) == 1
    assert len(fake.dm_messages(world.alice)[before:]) == 1
    fake.assert_clean()


async def test_rsvp_button_pressed_after_a_restart_updates_the_roster(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    start = await _schedule_next_hour(world, channel)
    await world.run(world.alice, "circle notify", channel, where="dm")
    world.clock.set(start - timedelta(hours=24) + timedelta(seconds=5))
    await world.core.tick()
    [reminder] = [m for m in fake.dm_messages(world.alice) if "Reminder:" in m["content"]]

    await world.restart_bot()  # a new process would know nothing but the database
    ia = await world.press(world.alice, reminder, "Yes, I will come")
    assert "You are coming" in ia.text()
    roster = await world.run(world.lee, "circle attendance", channel)
    assert f"Going: <@{world.alice}>" in roster.text()
    assert roster.ephemeral
    fake.assert_clean()


async def test_a_429_is_waited_out(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    rule = fake.fail_next("POST /channels/{channel_id}/messages", status=429, retry_after=0.5)
    started = time.monotonic()
    await world.adapter.port.post(fake.guild_id, channel, Message("A prompt for this week"))
    assert time.monotonic() - started >= 0.45
    assert len(rule.hits) == 1
    assert [m["content"] for m in fake.messages_in(channel)][-1] == "A prompt for this week"
    fake.assert_clean()


async def test_a_burst_of_posts_is_paced_without_429s(world: World) -> None:
    fake = world.fake
    channel = await world.create_circle()
    port = world.adapter.port
    await asyncio.gather(*(port.post(fake.guild_id, channel, Message(f"n{i}")) for i in range(7)))
    assert len([m for m in fake.messages_in(channel) if m["content"].startswith("n")]) == 7
    assert fake.rate_limit_hits == []  # the per-channel pacing kept under 5 per 5 s


async def test_missing_permission_yields_a_clear_message(world: World) -> None:
    fake = world.fake
    fake.set_bot_permissions(P.VIEW_CHANNEL | P.SEND_MESSAGES | P.MANAGE_ROLES)
    ia = await world.run(world.organizer, "circle create", name="Grief Circle")
    assert ia.ephemeral
    assert "missing a permission" in ia.text() and "50013" in ia.text()
    async with world.core.sessions() as s:
        assert await repos.circles_in(s, "discord", fake.guild_id) == []  # nothing half-done
    # at start-up the bot names what it lacks
    await world.restart_bot()
    missing = world.adapter.missing_permissions[fake.guild_id]
    assert "MANAGE_CHANNELS" in missing and "PIN_MESSAGES" in missing
    assert "VIEW_CHANNEL" not in missing


async def test_injected_platform_errors_become_clear_messages(world: World) -> None:
    fake = world.fake
    channel = await world.create_circle()
    fake.fail_next("PUT /channels/{channel_id}/permissions/{overwrite_id}", status=404, code=10003)
    ia = await world.run(world.lee, "circle add", channel, member=world.bob)
    assert "no longer exists" in ia.text() and "10003" in ia.text()
    assert not fake.can_view(channel, world.bob)


async def test_closed_dms_fall_back_to_a_mention_in_the_circle_channel(world: World) -> None:
    fake = world.fake
    channel = await world.create_circle()
    fake.close_dms(world.bob)
    ia = await world.run(world.lee, "circle add", channel, member=world.bob)
    assert "Added" in ia.text()
    notices = [m for m in fake.messages_in(channel) if f"<@{world.bob}>" in m["content"]]
    assert len(notices) == 1
    assert "direct messages are closed" in notices[0]["content"]
    assert "Welcome" not in notices[0]["content"]  # the DM's text stays private
    assert fake.dm_messages(world.bob) == []


async def test_slow_work_is_deferred_within_three_seconds(world: World) -> None:
    fake = world.fake
    fake.fail_next("POST /guilds/{guild_id}/channels", status=429, retry_after=2.5)
    ia = await world.run(world.organizer, "circle create", name="Slow Circle")
    assert ia.response_types == [5]  # deferred in time ...
    assert "Created the circle" in ia.text()  # ... and completed
    assert not ia.late
    fake.assert_clean()


async def test_rules_edit_opens_a_modal_and_autocomplete_names_circles(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    choices = await fake.autocomplete(
        world.alice, fake.general_channel_id, "circle info", "circle", "tues"
    )
    assert [c["value"] for c in choices] == ["Tuesday Circle"]
    ia = await world.run(world.lee, "circle rules edit", channel)
    assert ia.response_types == [9] and ia.modal is not None
    submitted = await fake.submit_modal(
        world.lee, {"text": "1. Listen.\n2. What is said here stays here."}
    )
    await submitted.wait_done(WAIT)
    assert "version 2" in submitted.text()
    assert any("stays here" in " ".join(fake_texts(m)) for m in fake.pinned(channel))
    assert not fake.can_send(channel, world.alice)  # must agree to the new version
    fake.assert_clean()


async def test_calendar_file_is_uploaded(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    await _schedule_next_hour(world, channel)
    ia = await world.run(world.alice, "circle calendar", channel)
    files = [a for m in ia.messages for a in m.get("attachments", [])]
    assert files and files[0]["filename"].endswith(".ics")
    assert fake.attachment_bytes(files[0]).startswith(b"BEGIN:VCALENDAR")
    assert ia.messages[0]["flags"] & EPHEMERAL


def test_invite_url_has_exactly_the_needed_permissions(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.__main__ import main

    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["discord", "invite-url", "--client-id", "123456789012345678"]) == 0
    url = urlparse(out.getvalue().strip())
    query = parse_qs(url.query)
    assert url.netloc == "discord.com"
    assert query["client_id"] == ["123456789012345678"]
    assert set(query["scope"][0].split()) == {"bot", "applications.commands"}
    value = int(query["permissions"][0])
    assert value == discord_permissions.REQUIRED.value
    named = {name for name, on in discord_permissions.REQUIRED if on}
    assert "administrator" not in named and "manage_guild" not in named
    assert {"manage_channels", "manage_roles", "pin_messages", "send_messages"} <= named
    assert re.fullmatch(r"\d+", query["permissions"][0])


async def test_many_choices_autocomplete_and_private_posts_go_by_dm(world: World) -> None:
    fake = world.fake
    channel = await _circle_with_alice(world)
    # more choices than fit Discord's size budget are offered while typing instead
    kinds = await fake.autocomplete(world.lee, channel, "circle prompt post", "kind", "wr")
    assert [c["value"] for c in kinds] == ["writing"]
    # a private message outside any command of that person's arrives as a DM
    await world.adapter.port.post_private(fake.guild_id, channel, world.alice, Message("Only you"))
    assert fake.dm_messages(world.alice)[-1]["content"] == "Only you"
    fake.assert_clean()


async def test_sharded_bot_connects_every_shard(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = world.fake
    await world.adapter.stop()
    env = world.settings.env.model_copy(
        update={"DISCORD_SHARD_COUNT": 2, "DISCORD_SHARD_IDS": "0,1"}
    )
    world.core.settings = world.settings.model_copy(update={"env": env})
    await world.start_bot()
    shards = sorted(tuple(i["shard"]) for i in fake.identifies if "shard" in i)
    assert shards == [(0, 2), (1, 2)]
    channel = await world.create_circle()  # the shard that owns the guild gets its interactions
    assert fake.can_view(channel, world.lee)
    # Checked at start-up, with one line naming the variable.
    monkeypatch.setenv("DISCORD_SHARD_COUNT", "2")
    monkeypatch.setenv("DISCORD_SHARD_IDS", "2")
    with pytest.raises(ConfigError, match="DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"):
        load_settings()


async def test_consult_form_reaches_the_mentor_who_acknowledges_by_button(world: World) -> None:
    fake = world.fake
    mentor = fake.add_member("maria")
    ia = await world.run(
        world.organizer, "circle create", name="Sunday Circle", leader=world.lee, mentor=mentor
    )
    assert "Created the circle" in ia.text()
    channel = str(fake.channel_by_name("circle-sunday-circle")["id"])  # type: ignore[index]
    await world.run(world.lee, "circle add", channel, member=world.alice)
    # no text given: a modal asks for it; the words go to the mentor's DMs only
    ia = await world.run(world.alice, "circle consult", channel)
    assert ia.modal is not None
    sub = await fake.submit_modal(world.alice, {"message": "I am struggling this week"})
    await sub.wait_done(WAIT)
    assert sub.ephemeral
    [request] = [m for m in fake.dm_messages(mentor) if "struggling" in m["content"]]
    assert not any("struggling" in (m["content"] or "") for m in fake.messages_in(channel))
    ack = await world.press(mentor, request, "Acknowledge")
    assert ack.ephemeral
    await fake.wait_for(
        lambda: any("has seen the consult" in m["content"] for m in fake.dm_messages(world.alice)),
        WAIT,
        "the asker to hear back",
    )
    fake.assert_clean()


async def test_a_create_that_fails_part_way_removes_its_channel(world: World) -> None:
    fake = world.fake
    fake.fail_next("PUT /channels/{channel_id}/messages/pins/{message_id}", 403, code=50013)
    fake.fail_next("PUT /channels/{channel_id}/pins/{message_id}", 403, code=50013)
    ia = await world.run(world.organizer, "circle create", name="Grief Circle", leader=world.lee)
    assert "missing a permission" in ia.text() and "50013" in ia.text()
    assert fake.channel_by_name("circle-grief-circle") is None  # the channel was deleted again
    async with world.core.sessions() as s:
        assert await repos.circles_in(s, "discord", fake.guild_id) == []
    assert (
        "Created the circle"
        in (
            await world.run(world.organizer, "circle create", name="Grief Circle", leader=world.lee)
        ).text()
    )


async def test_members_of_the_organizer_role_are_organizers(world: World) -> None:
    fake = world.fake
    file = FileSettings.model_validate(
        {"organizers": {"discord_role": "Circle organizers"}, "circles": {"timezone": "UTC"}}
    )
    world.core.settings = world.settings.model_copy(update={"file": file})
    ia = await world.run(world.alice, "circle create", name="Alice Circle")
    command_id = world.adapter.commands.command_id
    assert f"Only these people can run </circle create:{command_id}>" in ia.text()
    fake.give_role(world.alice, fake.add_role("Circle organizers"))
    ia = await world.run(world.alice, "circle create", name="Alice Circle")
    assert "Created the circle" in ia.text()


async def test_discord_refusals_carry_a_neutral_kind_and_the_raw_code(world: World) -> None:
    fake = world.fake
    channel = await world.create_circle()
    port = world.adapter.port
    fake.close_dms(world.carol)  # carol is in no circle: no channel to say it in
    with pytest.raises(PlatformError) as closed:
        await port.dm(fake.guild_id, world.carol, Message("hello"))
    assert (closed.value.kind, closed.value.code) == (ErrorKind.DM_CLOSED, "50007")
    cases = [
        (403, 50013, ErrorKind.NO_PERMISSION),
        (403, 50001, ErrorKind.NO_PERMISSION),
        (404, 10003, ErrorKind.GONE),
        (404, 10008, ErrorKind.GONE),
    ]
    for status, code, kind in cases:
        fake.fail_next("POST /channels/{channel_id}/messages", status=status, code=code)
        with pytest.raises(PlatformError) as refused:
            await port.post(fake.guild_id, channel, Message("hello"))
        assert (refused.value.kind, refused.value.code) == (kind, str(code))
    # discord.py waits a 429 out by itself; one it gives up on is RATE_LIMITED
    assert discord_port.error("429", retry_after=3.0).kind is ErrorKind.RATE_LIMITED
    assert discord_port.error("12345").kind is ErrorKind.OTHER


async def test_a_platform_refusal_is_a_failed_outcome_with_its_kind(world: World) -> None:
    fake = world.fake
    fake.set_bot_permissions(P.VIEW_CHANNEL | P.SEND_MESSAGES | P.MANAGE_ROLES)
    inv = Invocation("discord", fake.guild_id, world.organizer, None, organizer_hint=True)
    outcome = await world.router.run_text(inv, '/circle create "Grief Circle"')
    assert outcome.status is Status.FAILED and outcome.command == "create"
    assert outcome.error is ErrorKind.NO_PERMISSION
    assert "missing a permission" in outcome.reply.text and "50013" in outcome.reply.text


async def test_the_closed_dm_notice_is_the_cores_rule(world: World) -> None:
    """The port only raises DM_CLOSED; core posts the notice (keyed) in a circle of theirs."""
    fake = world.fake
    channel = await world.create_circle()
    port = world.adapter.port
    fake.close_dms(world.carol)
    with pytest.raises(PlatformError) as closed:  # in no circle yet: nowhere to say it
        await notices.dm_or_notice(world.core, port, fake.guild_id, world.carol, Message("x"))
    assert closed.value.kind is ErrorKind.DM_CLOSED
    added = await world.run(world.lee, "circle add", channel, member=world.carol)
    assert "Added" in added.text()
    before = len(fake.messages_in(channel))
    sent = await notices.dm_or_notice(
        world.core, port, fake.guild_id, world.carol, Message("private words"), key="ck:9:c"
    )
    [notice] = fake.messages_in(channel)[before:]
    assert str(notice["id"]) == sent
    assert f"<@{world.carol}>" in notice["content"] and "private words" not in notice["content"]
    assert fake.dm_messages(world.carol) == []


async def test_create_autocompletes_time_zones_and_archive_makes_the_channel_read_only(
    world: World,
) -> None:
    """Issue 10 items 10 and 8: IANA zones are offered while typing; an archived circle's
    channel keeps its history and takes no new posts."""
    fake = world.fake
    zones = await fake.autocomplete(
        world.alice, fake.general_channel_id, "circle create", "timezone", "los"
    )
    assert zones[0]["value"] == "America/Los_Angeles"
    channel = await _circle_with_alice(world)
    assert fake.can_send(channel, world.lee)
    ia = await world.run(world.alice, "circle manage archive", channel)
    assert "Only these people" in ia.text()
    ia = await world.run(world.organizer, "circle manage archive", channel)
    assert "is archived" in ia.text(), ia.text()
    assert fake.can_view(channel, world.lee) and not fake.can_send(channel, world.lee)
    ia = await world.run(world.lee, "circle schedule set", channel, day="monday", time="19:00")
    assert "is archived" in ia.text()
    fake.assert_clean()


async def test_every_part_of_circle_has_spanish_names_for_both_spanish_locales(
    world: World,
) -> None:
    [registered] = world.fake.guild_commands[world.fake.guild_id]
    codes = ("es-ES", "es-419")
    assert all(registered["name_localizations"][c] == "círculo" for c in codes)

    def walk(node: dict[str, Any], where: str) -> None:
        seen: dict[str, set[str]] = {c: set() for c in codes}
        for o in node.get("options") or []:
            here = f"{where} {o['name']}"
            names = o.get("name_localizations") or {}
            descriptions = o.get("description_localizations") or {}
            if not names:  # only where Spanish uses the English word itself
                unchanged.add(o["name"])
            else:
                assert set(names) == set(codes), f"{here}: Spanish name for one locale only"
            assert set(descriptions) == set(codes), f"{here}: no Spanish description"
            for c in codes:
                shown = names.get(c, o["name"])
                assert shown not in seen[c], f"{here}: two options called {shown}"
                seen[c].add(shown)
            for choice in o.get("choices") or []:
                local = choice.get("name_localizations") or {}
                assert set(local) == set(codes) or choice["value"] == "no", (here, choice)
            walk(o, here)

    unchanged: set[str] = set()
    walk(registered, "/circle")
    assert unchanged == {"mentor", "info", "rrule"}
    schedule = next(o for o in registered["options"] if o["name"] == "schedule")
    set_ = next(o for o in schedule["options"] if o["name"] == "set")
    day = next(o for o in set_["options"] if o["name"] == "day")
    assert day["name_localizations"]["es-419"] == "día" and day["autocomplete"]
    # seven days are offered by autocomplete, in the person's language
    world.fake.locales[world.lee] = "es-419"
    offered = await world.fake.autocomplete(
        world.lee, world.fake.general_channel_id, "circle schedule set", "day", "mar"
    )
    assert [(c["name"], c["value"]) for c in offered] == [("martes", "tuesday")]


async def test_a_spanish_client_reads_what_concerns_only_them_in_spanish(world: World) -> None:
    world.fake.locales[world.alice] = "es-419"
    world.fake.locales[world.bob] = "es-ES"
    ia = await world.run(world.alice, "circle help")
    assert ia.text().startswith("Comandos que puedes usar"), ia.text()
    # commands in the text are mentions, which Discord shows with their Spanish names
    [registered] = world.fake.guild_commands[world.fake.guild_id]
    assert f"</circle export:{registered['id']}>" in ia.text()
    assert "/circle export" not in ia.text().replace("</circle export", "")
    assert ia.ephemeral
    ia = await world.run(world.bob, "circle resources")
    assert ia.text().startswith("Si estás en peligro") and "Línea de la Vida" in ia.text()
    assert "Crisis Text Line en español" in ia.text() and "text HOME" not in ia.text()
    ia = await world.run(world.alice, "circle create", name="Círculo de Alicia")
    assert ia.text().startswith("Solo estas personas pueden usar"), ia.text()
    # someone whose Discord speaks a language without a catalog reads the configured one
    world.fake.locales[world.carol] = "fr"
    ia = await world.run(world.carol, "circle help")
    assert ia.text().startswith("Commands you can use"), ia.text()
