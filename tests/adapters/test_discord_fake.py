"""The fake Discord API behaves like Discord for the real discord.py.

These tests talk to ``tests/fakes/discord/`` over loopback HTTP and websocket with
an unmodified ``discord.Client``; the adapter tests build on what is proven here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.fakes.discord import (
    CHANNEL_CATEGORY,
    EPHEMERAL,
    FakeDiscord,
    FakeRefused,
    Intents,
    P,
    discord_py_pointed_at,
)
from tests.fakes.discord.spec import load_spec

WAIT = 10.0


class _Bot(discord.Client):
    def __init__(self, **kw: Any) -> None:
        super().__init__(intents=discord.Intents(guilds=True), guild_ready_timeout=0.2, **kw)
        self.tree = app_commands.CommandTree(self)
        self.events: list[str] = []

    async def on_ready(self) -> None:
        self.events.append("ready")


async def _start(fake: FakeDiscord, client: discord.Client) -> asyncio.Task[None]:
    task = asyncio.create_task(client.start(fake.token))
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=WAIT, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        if task in done:
            task.result()  # raises the start-up error
        raise AssertionError("the bot did not become ready")
    return task


async def _stop(client: discord.Client, task: asyncio.Task[None]) -> None:
    await asyncio.wait_for(client.close(), WAIT)
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, WAIT)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as f:
        with discord_py_pointed_at(f):
            yield f


@pytest.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[_Bot]:
    client = _Bot()
    task = await _start(fake, client)
    try:
        yield client
    finally:
        await _stop(client, task)


# ---------------------------------------------------------------------------------------
async def test_login_ready_and_guild_create(fake: FakeDiscord, bot: _Bot) -> None:
    assert bot.user is not None and str(bot.user.id) == fake.bot_user_id
    assert bot.application_id is not None and str(bot.application_id) == fake.application_id
    guild = bot.get_guild(int(fake.guild_id))
    assert guild is not None and guild.name == "Healing Circles"
    assert guild.get_channel(int(fake.general_channel_id)) is not None
    assert guild.me is not None
    assert guild.me.guild_permissions.manage_channels
    # the client asked for guilds only: no message-content intent, zlib-stream compression
    [identify] = fake.identifies
    assert identify["intents"] & Intents.MESSAGE_CONTENT == 0
    assert identify["intents"] == Intents.GUILDS
    assert fake.requests_to("GET", "/users/@me")
    session = fake.sessions[0]
    assert session.compress == "zlib-stream"
    assert session.heartbeats >= 1  # discord.py heartbeats right after HELLO
    fake.assert_clean()


async def test_nonce_with_enforce_nonce_stores_one_message(fake: FakeDiscord, bot: _Bot) -> None:
    channel = bot.get_channel(int(fake.general_channel_id))
    assert isinstance(channel, discord.TextChannel)
    # discord.py sends enforce_nonce=true whenever a nonce is given
    first = await channel.send("Meeting in 1 hour", nonce="rem-1-24h")
    second = await channel.send("Meeting in 1 hour", nonce="rem-1-24h")
    assert first.id == second.id
    assert len(fake.messages_in(fake.general_channel_id)) == 1
    body = fake.requests_to("POST", "/channels/{channel_id}/messages")[0].body
    assert body["nonce"] == "rem-1-24h" and body["enforce_nonce"] is True
    # without enforce_nonce Discord does not deduplicate
    async with aiohttp.ClientSession() as s:
        headers = {"Authorization": f"Bot {fake.token}", "User-Agent": "DiscordBot (x, 1)"}
        url = f"{fake.api_base}/channels/{fake.general_channel_id}/messages"
        async with s.post(
            url, headers=headers, json={"content": "again", "nonce": "rem-1-24h"}
        ) as r:
            assert r.status == 200
    assert len(fake.messages_in(fake.general_channel_id)) == 2
    fake.assert_clean()


async def test_429_is_waited_out(fake: FakeDiscord, bot: _Bot) -> None:
    channel = bot.get_channel(int(fake.general_channel_id))
    assert isinstance(channel, discord.TextChannel)
    rule = fake.fail_next("POST /channels/{channel_id}/messages", status=429, retry_after=0.4)
    started = time.monotonic()
    msg = await asyncio.wait_for(channel.send("hello"), WAIT)
    assert time.monotonic() - started >= 0.35
    assert len(rule.hits) == 1
    posts = fake.requests_to("POST", "/channels/{channel_id}/messages")
    assert [r.status for r in posts] == [429, 200]
    assert fake.messages_in(fake.general_channel_id)[0]["id"] == str(msg.id)
    assert fake.rate_limit_hits == []  # the injected one is not counted as natural
    fake.assert_clean()


async def test_injected_discord_errors_reach_discord_py(fake: FakeDiscord, bot: _Bot) -> None:
    channel = bot.get_channel(int(fake.general_channel_id))
    assert isinstance(channel, discord.TextChannel)
    fake.fail_next("/channels/{channel_id}/messages", status=403, code=50013)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("x")
    assert forbidden.value.code == 50013
    fake.fail_next(f"/channels/{fake.general_channel_id}/messages", status=404, code=10003)
    with pytest.raises(discord.NotFound) as not_found:
        await channel.send("x")
    assert not_found.value.code == 10003


async def test_closed_dms_give_50007(fake: FakeDiscord, bot: _Bot) -> None:
    alice = fake.add_member("alice")
    bob = fake.add_member("bob")
    fake.close_dms(bob)
    user_a = await bot.fetch_user(int(alice))
    await user_a.send("Your circle meets tomorrow")
    assert [m["content"] for m in fake.dm_messages(alice)] == ["Your circle meets tomorrow"]
    user_b = await bot.fetch_user(int(bob))
    with pytest.raises(discord.Forbidden) as err:
        await user_b.send("hi")
    assert err.value.code == 50007
    fake.assert_clean()


async def test_private_channel_permissions_computed(fake: FakeDiscord, bot: _Bot) -> None:
    alice = fake.add_member("alice")
    bob = fake.add_member("bob")
    leaders = fake.add_role("leaders")
    carol = fake.add_member("carol", roles=[leaders])
    guild = bot.get_guild(int(fake.guild_id))
    assert guild is not None
    await fake.wait_for(lambda: guild.get_role(int(leaders)) is not None, WAIT, "GUILD_ROLE_CREATE")
    category = await guild.create_category("Circles")
    assert fake.channels[str(category.id)]["type"] == CHANNEL_CATEGORY
    overwrites: dict[Any, discord.PermissionOverwrite] = {
        guild.default_role: discord.PermissionOverwrite(view_channel=False),
        discord.Object(id=int(alice), type=discord.Member): discord.PermissionOverwrite(
            view_channel=True, send_messages=False
        ),
        # discord.py sends a discord.Object as a *member* overwrite: roles must be Role objects
        guild.get_role(int(leaders)): discord.PermissionOverwrite(
            view_channel=True, manage_messages=True
        ),
        guild.me: discord.PermissionOverwrite(view_channel=True, send_messages=True),
    }
    channel = await guild.create_text_channel(
        "Tuesday Circle", category=category, overwrites=overwrites
    )
    cid = str(channel.id)
    assert fake.channels[cid]["name"] == "tuesday-circle"
    assert fake.channels[cid]["parent_id"] == str(category.id)
    assert fake.can_view(cid, alice) and not fake.can_send(cid, alice)
    assert not fake.can_view(cid, bob)
    assert fake.can_send(cid, carol) and fake.has_permission(cid, carol, P.MANAGE_MESSAGES)
    assert fake.can_view(cid, fake.owner_id)  # the owner bypasses overwrites
    with pytest.raises(FakeRefused):
        fake.user_posts(cid, alice, "hello")
    # agreeing to the rules: a member overwrite now allows sending (members are not cached
    # with the guilds intent alone, so the member is fetched over REST)
    member = await guild.fetch_member(int(alice))
    await channel.set_permissions(
        member, overwrite=discord.PermissionOverwrite(view_channel=True, send_messages=True)
    )
    assert fake.can_send(cid, alice)
    fake.user_posts(cid, alice, "hello")
    # removing the member overwrite revokes access again
    await channel.set_permissions(member, overwrite=None)
    assert not fake.can_view(cid, alice)

    # discord.py learns about the change over the gateway (CHANNEL_UPDATE)
    def cached_overwrites() -> int:
        cached = guild.get_channel(channel.id)
        return -1 if cached is None else len(cached.overwrites)

    await fake.wait_for(lambda: cached_overwrites() == 3, WAIT, "the channel update")
    fake.assert_clean()


async def test_bot_permissions_are_enforced(fake: FakeDiscord, bot: _Bot) -> None:
    fake.set_bot_permissions(P.VIEW_CHANNEL | P.SEND_MESSAGES)
    guild = bot.get_guild(int(fake.guild_id))
    assert guild is not None
    with pytest.raises(discord.Forbidden) as err:
        await guild.create_text_channel("nope")
    assert err.value.code == 50013
    channel = bot.get_channel(int(fake.general_channel_id))
    assert isinstance(channel, discord.TextChannel)
    msg = await channel.send("x")
    with pytest.raises(discord.Forbidden):
        await msg.pin()


async def test_pins_files_and_unknown_routes(fake: FakeDiscord, bot: _Bot) -> None:
    channel = bot.get_channel(int(fake.general_channel_id))
    assert isinstance(channel, discord.TextChannel)
    msg = await channel.send("Ground rules: what is said here stays here.")
    await msg.pin()
    assert [m["id"] for m in fake.pinned(fake.general_channel_id)] == [str(msg.id)]
    import io

    sent = await channel.send(
        "calendar", file=discord.File(io.BytesIO(b"BEGIN:VCALENDAR"), filename="circle.ics")
    )
    stored = fake.messages_in(fake.general_channel_id)[-1]
    assert stored["id"] == str(sent.id)
    [attachment] = stored["attachments"]
    assert attachment["filename"] == "circle.ics"
    assert fake.attachment_bytes(attachment) == b"BEGIN:VCALENDAR"
    fake.assert_clean()
    # a route Discord does not have is a violation
    async with aiohttp.ClientSession() as s:
        headers = {"Authorization": f"Bot {fake.token}", "User-Agent": "DiscordBot (x, 1)"}
        async with s.get(f"{fake.api_base}/channels/1/nonsense", headers=headers) as r:
            assert r.status == 404
        async with s.get(f"{fake.api_base}/users/@me") as r:
            assert r.status == 401
        if load_spec() is None:
            return  # body keys are checked against ../shared/specs, absent here
        async with s.post(
            f"{fake.api_base}/channels/{fake.general_channel_id}/messages",
            headers=headers,
            json={"content": "x", "not_a_field": 1},
        ) as r:
            assert r.status == 400
            assert (await r.json())["code"] == 50035
    assert len(fake.violations) == 3
    assert "not_a_field" in fake.violations[2]


async def test_natural_rate_limit_per_channel(fake: FakeDiscord, bot: _Bot) -> None:
    """Discord allows ~5 messages per 5 s per channel; discord.py waits on the headers."""
    channel = bot.get_channel(int(fake.general_channel_id))
    assert isinstance(channel, discord.TextChannel)
    fake._buckets.clear()
    for bucket in ("msg",):
        assert bucket
    # shorten the window so the test is quick: 5 per 0.5 s
    original = FakeDiscord._bucket_key

    def quick(self: FakeDiscord, rec: Any) -> tuple[str, int, float]:
        key, limit, window = original(self, rec)
        return (key, limit, 0.5) if key.startswith("msg:") else (key, limit, window)

    fake._bucket_key = quick.__get__(fake)  # type: ignore[method-assign]
    for i in range(7):
        await asyncio.wait_for(channel.send(f"m{i}"), WAIT)
    assert len(fake.messages_in(fake.general_channel_id)) == 7
    posts = fake.requests_to("POST", "/channels/{channel_id}/messages")
    assert posts[4].status == 200
    # the 5th response said remaining 0, so discord.py waited instead of getting a 429
    assert fake.rate_limit_hits == []


async def test_slash_command_button_modal_round_trip(fake: FakeDiscord) -> None:
    client = _Bot()
    seen: dict[str, Any] = {}

    class Agree(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(
            label="I agree", custom_id="circle:rules:agree", style=discord.ButtonStyle.primary
        )
        async def agree(
            self, interaction: discord.Interaction, button: discord.ui.Button[Agree]
        ) -> None:
            seen["agreed_by"] = interaction.user.id
            await interaction.response.send_message("Thank you", ephemeral=True)

    class Consult(discord.ui.Modal, title="Ask your mentor"):
        text = discord.ui.TextInput(
            label="Message", style=discord.TextStyle.paragraph, custom_id="text"
        )

        async def on_submit(self, interaction: discord.Interaction) -> None:
            seen["consult_len"] = len(self.text.value)
            await interaction.response.send_message("Sent to your mentor", ephemeral=True)

    group = app_commands.Group(name="circle", description="Healing circles")
    rules = app_commands.Group(name="rules", description="Ground rules", parent=group)

    @rules.command(name="show", description="Show the ground rules")
    async def rules_show(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Rules", view=Agree())

    @group.command(name="info", description="One circle")
    @app_commands.describe(circle="Which circle")
    async def info(
        interaction: discord.Interaction, circle: str, who: discord.Member | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        seen["who"] = who.id if who else None
        await interaction.followup.send(f"Circle {circle}", ephemeral=True)

    @info.autocomplete("circle")
    async def circle_names(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["tuesday", "thursday", "sunday"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    @group.command(name="consult", description="Ask your mentor")
    async def consult(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Consult())

    client.tree.add_command(group)

    async def setup_hook() -> None:
        client.add_view(Agree())

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    task = asyncio.create_task(client.start(fake.token))
    try:
        await asyncio.wait_for(client.wait_until_ready(), WAIT)
        guild = discord.Object(id=int(fake.guild_id))
        client.tree.copy_global_to(guild=guild)
        await client.tree.sync(guild=guild)
        cmd = fake.command("circle")
        assert cmd is not None
        assert {o["name"] for o in cmd["options"]} == {"rules", "info", "consult"}

        alice = fake.add_member("alice")
        ch = fake.general_channel_id

        ia = await fake.slash(alice, ch, "circle rules show")
        await ia.wait_done(WAIT)
        assert ia.response_type == 4 and ia.text() == "Rules"
        [posted] = [m for m in fake.messages_in(ch) if m["content"] == "Rules"]
        press = await fake.press_button(alice, posted, "circle:rules:agree")
        await press.wait_done(WAIT)
        assert seen["agreed_by"] == int(alice)
        assert press.ephemeral and press.text() == "Thank you"

        choices = await fake.autocomplete(alice, ch, "circle info", "circle", "t")
        assert [c["value"] for c in choices] == ["tuesday", "thursday"]

        bob = fake.add_member("bob")
        ia = await fake.slash(alice, ch, "circle info", circle="tuesday", who=bob)
        await ia.wait_done(WAIT)
        assert ia.response_types == [5]
        assert ia.ephemeral and ia.text() == "Circle tuesday"
        assert seen["who"] == int(bob)

        ia = await fake.slash(alice, ch, "circle consult")
        await ia.wait_done(WAIT)
        assert ia.modal is not None and ia.modal["title"] == "Ask your mentor"
        sub = await fake.submit_modal(alice, {"text": "I could use some support"})
        await sub.wait_done(WAIT)
        assert seen["consult_len"] == len("I could use some support")
        assert sub.callbacks[0]["data"]["flags"] & EPHEMERAL

        with pytest.raises(FakeRefused):
            await fake.slash(alice, ch, "circle info", nonsense="x")
        fake.assert_clean()
    finally:
        await _stop(client, task)


async def test_gateway_zlib_stream_and_resume(fake: FakeDiscord, bot: _Bot) -> None:
    """Raw check of the wire format, then a dropped connection is RESUMEd by discord.py."""
    async with (
        aiohttp.ClientSession() as s,
        s.ws_connect(f"{fake.gateway_url}?v=10&encoding=json&compress=zlib-stream") as ws,
    ):
        inflator = zlib.decompressobj()
        frame = await asyncio.wait_for(ws.receive_bytes(), WAIT)
        assert frame.endswith(b"\x00\x00\xff\xff")
        hello = json.loads(inflator.decompress(frame))
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 1, "properties": {}}})
        closed = await asyncio.wait_for(ws.receive(), WAIT)
        assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4004

    resumes_before = len([s for s in fake.sessions if s.resumed])
    await fake.disconnect_bot(code=4000)
    await fake.wait_for(
        lambda: len([s for s in fake.sessions if s.resumed]) > resumes_before, WAIT, "a RESUME"
    )
    alice = fake.add_member("alice")
    assert alice


async def test_privileged_intents_are_refused(fake: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents(guilds=True, message_content=True))
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(client.start(fake.token), WAIT)
    await client.close()


def test_spec_is_loaded_when_present() -> None:
    spec = load_spec()
    if spec is None:
        pytest.skip("../shared/specs is absent")
    m = spec.routes.match("/channels/1/messages/pins/2")
    assert m is not None and m.template == "/channels/{channel_id}/messages/pins/{message_id}"
    m = spec.routes.match("/users/@me")
    assert m is not None and m.template == "/users/@me"
    schema = spec.body_schema("POST", "/channels/{channel_id}/messages", "application/json")
    assert spec.check(schema, {"content": "x", "nonce": "a", "enforce_nonce": True}) == []
    assert spec.check(schema, {"content": "x", "bogus": 1})


async def test_component_updates_deferrals_and_followups(fake: FakeDiscord) -> None:
    """Callback types 6 (deferred update) and 7 (update message), edits of @original and
    followups, as discord.py sends them."""
    client = _Bot()

    class Counter(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=None)

        @discord.ui.button(label="Add one", custom_id="count:add")
        async def add(
            self, interaction: discord.Interaction, button: discord.ui.Button[Counter]
        ) -> None:
            assert interaction.message is not None
            n = int(interaction.message.content.split()[-1]) + 1
            await interaction.response.edit_message(content=f"Count {n}")  # type 7

        @discord.ui.button(label="Later", custom_id="count:later")
        async def later(
            self, interaction: discord.Interaction, button: discord.ui.Button[Counter]
        ) -> None:
            await interaction.response.defer()  # type 6
            await interaction.edit_original_response(content="Count 100")
            await interaction.followup.send("Done", ephemeral=True)

    async def setup_hook() -> None:
        client.add_view(Counter())

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    task = await _start(fake, client)
    try:
        channel = client.get_channel(int(fake.general_channel_id))
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("Count 0", view=Counter())
        alice = fake.add_member("alice")
        ia = await fake.press_button(alice, str(sent.id), "count:add")
        await ia.wait_done(WAIT)
        assert ia.response_types == [7]
        assert fake.messages_in(fake.general_channel_id)[-1]["content"] == "Count 1"
        ia = await fake.press_button(alice, str(sent.id), label="Later")
        await fake.wait_for(lambda: len(ia.followups) == 1, WAIT, "the followup")
        assert ia.response_types == [6]
        assert fake.messages_in(fake.general_channel_id)[-1]["content"] == "Count 100"
        assert ia.followups[0]["flags"] & EPHEMERAL and ia.followups[0]["content"] == "Done"
        # Discord refuses a second answer to the same interaction
        assert not fake.violations
    finally:
        await _stop(client, task)
