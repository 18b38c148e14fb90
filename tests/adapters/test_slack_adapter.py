"""circlekeeper on Slack, end to end: the real slack-bolt app and slack_sdk clients over loopback
HTTP against the fake Slack Web API, driven by correctly signed requests."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import func, select, update

from bot.core import ledger, notices
from bot.platforms.slack import render
from bot.platforms.slack.port import SlackPort
from bot.platforms.slack.scopes import BOT_SCOPES
from bot.port import Button, ErrorKind, PlatformError
from bot.port import Message as PortMessage
from storage import repos
from storage.models import Circle, Delivery
from tests.fakes.slack import Message
from tests.fakes.slack.world import SlackWorld, manifest_bot_scopes


@pytest.fixture
async def w(db_url: str) -> AsyncIterator[SlackWorld]:
    async with SlackWorld(db_url) as world:
        yield world


@dataclass
class Tuesday:
    org: str
    lee: str
    maya: str
    channel: str


async def create_circle(w: SlackWorld) -> Tuesday:
    """An organizer creates "Tuesday circle" with Lee leading and Maya mentoring."""
    org = w.person("olga", admin=True)
    lee = w.person("lee")
    maya = w.person("maya")
    reply = await w.circle(org, f'create "Tuesday circle" leader:{w.tag(lee)} mentor:{w.tag(maya)}')
    assert reply.ephemeral and 'Created the circle "Tuesday circle"' in reply.text
    (channel,) = w.fake.private_channels()
    return Tuesday(org, lee, maya, channel.id)


def agree_button_message(w: SlackWorld, user: str) -> Message:
    found = [
        m
        for m in w.fake.dms_to(user)
        if any(b["value"].startswith("rules agree") for b in m.buttons())
    ]
    assert found, "the welcome DM carries an agree button"
    return found[-1]


def agree_button(w: SlackWorld, user: str) -> tuple[Message, str]:
    """The welcome DM and the action ID of its agree button."""
    message = agree_button_message(w, user)
    values = [b["value"] for b in message.buttons()]
    index = next(i for i, v in enumerate(values) if v.startswith("rules agree"))
    return message, f"ck_run:{index}"


async def test_manifest_scopes_are_the_adapter_scopes() -> None:
    assert manifest_bot_scopes() == frozenset(BOT_SCOPES)
    assert not any("history" in s and s != "im:history" for s in BOT_SCOPES)


async def test_create_private_channel_members_join_after_agreeing(w: SlackWorld) -> None:
    c = await create_circle(w)
    _org, lee, maya, channel_id = c.org, c.lee, c.maya, c.channel
    channel = w.fake.channels[channel_id]
    assert channel.is_private and channel.name == "circle-tuesday-circle"
    # The mentor facilitates (full access); the leader has not agreed to the rules yet.
    assert channel.members == {w.fake.bot_user_id, maya}
    (rules,) = w.fake.pinned(channel_id)
    assert "Ground rules of Tuesday circle" in (rules.text or "")
    assert [b["value"] for b in rules.buttons()] == ["rules agree version:1 circle:#1"]

    ana = w.person("ana")
    added = await w.circle(lee, f'add {w.tag(ana)} circle:"Tuesday circle"')
    assert "Added" in added.text and f"<@{ana}>" in added.text
    assert ana not in channel.members
    # Ana cannot see the channel's rules message; she agrees from her welcome DM.
    with pytest.raises(AssertionError):
        await w.driver.click(ana, rules, render.BUTTON_ACTION + ":0")
    agreed = await w.press(ana, *agree_button(w, ana))
    assert "You agreed to version 1" in agreed.text and agreed.ephemeral
    assert ana in channel.members
    assert w.fake.violations == []


async def test_rules_edit_modal_with_validation_errors(w: SlackWorld) -> None:
    c = await create_circle(w)
    org, lee, _maya, channel_id = c.org, c.lee, c.maya, c.channel
    await w.press(lee, *agree_button(w, lee))
    assert lee in w.fake.channels[channel_id].members
    ana = w.person("ana")
    added = await w.circle(lee, f"add {w.tag(ana)}", channel=channel_id)
    assert "Added" in added.text, added.text
    await w.press(ana, *agree_button(w, ana))
    assert ana in w.fake.channels[channel_id].members

    await w.circle_modal(lee, "rules edit", channel=channel_id)
    (modal,) = w.fake.open_modals(lee)
    field = modal.blocks[0]
    assert field["block_id"] == "text" and "What is shared" in field["element"]["initial_value"]

    # Blank: refused on the form itself; nothing posted.
    posts = len(w.fake.messages_in(channel_id))
    reply = await w.driver.submit(lee, modal, {"text": "   "})
    assert reply.json == {"response_action": "errors", "errors": {"text": "Please fill this in."}}
    assert not modal.closed and len(w.fake.messages_in(channel_id)) == posts

    reply = await w.driver.submit(lee, modal, {"text": "1. Listen.\n2. Keep it here."})
    assert reply.json["response_action"] == "update"
    assert "version 2 posted and pinned" in json_text(reply.json["view"])
    newest = w.fake.messages_in(channel_id)[-1]
    assert "1. Listen." in (newest.text or "") and newest.pinned
    # Everyone but the author agrees again before posting: Ana is out of the channel until then.
    assert ana not in w.fake.channels[channel_id].members
    assert lee in w.fake.channels[channel_id].members

    await w.driver.close(lee, modal)

    # The command itself refuses: Lee is no longer a leader when he submits.
    await w.circle_modal(lee, "rules edit", channel=channel_id)
    (modal,) = w.fake.open_modals(lee)
    await w.circle(org, f'add {w.tag(lee)} role:member circle:"Tuesday circle"')
    reply = await w.driver.submit(lee, modal, {"text": "3. New rule."})
    assert reply.json["response_action"] == "errors"
    assert "Only these people can run /circle rules edit" in reply.json["errors"]["text"]
    assert not any("3. New rule." in (m.text or "") for m in w.fake.messages_in(channel_id))
    assert w.fake.violations == []


def json_text(view: dict[str, object]) -> str:
    return json.dumps(view, ensure_ascii=False)


async def test_a_rate_limited_call_is_retried(w: SlackWorld) -> None:
    c = await create_circle(w)
    _org, lee, _maya, channel_id = c.org, c.lee, c.maya, c.channel
    w.fake.fail_next("conversations.invite", status=429, retry_after=0)
    await w.press(lee, *agree_button(w, lee))
    assert lee in w.fake.channels[channel_id].members
    assert [c.status for c in w.fake.calls_to("conversations.invite")][-2:] == [429, 200]

    w.fake.fail_next("chat.postMessage", status=429, retry_after=1)
    reply = await w.circle(lee, 'prompt post text:"Draw your week as weather."', channel=channel_id)
    assert reply.ephemeral
    assert [c.status for c in w.fake.calls_to("chat.postMessage")][-2:] == [429, 200]
    assert sum("Draw your week" in (m.text or "") for m in w.fake.messages_in(channel_id)) == 1
    assert w.fake.violations == []


@pytest.mark.parametrize("signature", ["bad", "missing", "stale", "wrong_secret"])
async def test_bad_signatures_get_401_and_change_nothing(w: SlackWorld, signature: str) -> None:
    org = w.person("olga", admin=True)
    calls = len(w.fake.calls)
    reply = await w.driver.slash(
        org, 'create "Tuesday circle"', channel_id=w.general, signature=signature
    )  # type: ignore[arg-type]
    assert reply.status == 401
    assert len(w.fake.calls) == calls and w.fake.responses == []
    async with w.core.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(Circle))).scalar_one() == 0


async def test_app_home_for_mentors_and_organizers(w: SlackWorld) -> None:
    c = await create_circle(w)
    org, _lee, maya, _channel_id = c.org, c.lee, c.maya, c.channel
    ana = w.person("ana")
    for user in (org, maya, ana):
        assert (await w.driver.app_home_opened(user)).status == 200
        await w.fake.wait_until(lambda u=user: w.fake.home_view(u) is not None)
    org_home = json_text(w.fake.home_view(org).view)  # type: ignore[union-attr]
    maya_home = json_text(w.fake.home_view(maya).view)  # type: ignore[union-attr]
    ana_home = json_text(w.fake.home_view(ana).view)  # type: ignore[union-attr]
    assert "Mentor status" in org_home and "Tuesday circle" in org_home
    assert "Mentor status" in maya_home and "Tuesday circle" in maya_home
    assert "Mentor status" not in ana_home and "/circle join" in ana_home
    assert "You are not in a circle here yet." in ana_home
    publishes = len(w.fake.calls_to("views.publish"))
    home = w.fake.home_view(maya)
    assert home is not None
    await w.driver.click(maya, home, render.HOME_REFRESH_ACTION)
    await w.fake.wait_until(lambda: len(w.fake.calls_to("views.publish")) > publishes)
    assert w.fake.violations == []


async def test_every_declared_command_is_reachable(w: SlackWorld) -> None:
    await create_circle(w)
    org = next(u for u in w.fake.users.values() if u.name == "olga").id
    for spec in w.adapter.router.registry:
        responses = len(w.fake.responses_for(org))
        modals = len(w.fake.open_modals(org))
        reply = await w.driver.slash(org, spec.name, channel_id=w.general)
        assert reply.status == 200, spec.name
        await w.fake.wait_until(
            lambda r=responses, m=modals: (
                len(w.fake.responses_for(org)) > r or len(w.fake.open_modals(org)) > m
            )
        )
        if len(w.fake.responses_for(org)) > responses:
            text = w.fake.responses_for(org)[-1].text
            assert "There is no command" not in text, spec.name
            assert "The platform refused" not in text, (spec.name, text)
    assert w.fake.violations == []


async def test_export_file_goes_to_the_persons_dm(w: SlackWorld) -> None:
    ana = w.person("ana")
    reply = await w.circle(ana, "export")
    assert reply.ephemeral
    await w.fake.wait_until(lambda: any(f.completed for f in w.fake.files.values()))
    (upload,) = w.fake.files.values()
    dm = w.fake.dm_channel(ana)
    assert dm is not None and upload.channels == [dm.id]
    assert upload.filename.endswith(".json") and upload.content is not None
    assert w.fake.violations == []


async def keyed_delivery(w: SlackWorld) -> tuple[int, str]:
    """A ledger row of the circle, claimed once (attempts = 1), and its key for one person."""
    now = w.clock.now()
    async with w.core.sessions() as s, s.begin():
        await ledger.enqueue(s, 1, now + timedelta(hours=1), "reminder:dm", now)
    (row,) = await ledger.Dispatcher(w.core).claim()
    return row.id, f"ck:{row.id}:"


async def test_keyed_dm_carries_metadata_and_a_retry_finds_it(w: SlackWorld) -> None:
    await create_circle(w)
    ana = w.person("ana")
    delivery_id, prefix = await keyed_delivery(w)
    key = prefix + ana
    team = w.fake.team.id

    ts = await w.adapter.port.dm(team, ana, PortMessage("Circle tomorrow at 19:00"), key=key)
    (sent,) = [m for m in w.fake.dms_to(ana) if m.metadata]
    assert sent.ts == ts
    assert sent.metadata == {"event_type": "circlekeeper_delivery", "event_payload": {"key": key}}
    assert w.fake.calls_to("conversations.history") == []  # a first attempt does not look

    # The process dies before recording the receipt; its lease expires and another process
    # (a fresh port, no memory) retries: the ledger says so, and the port finds its own message
    # instead of sending again.
    async with w.core.sessions() as s, s.begin():
        await s.execute(update(Delivery).where(Delivery.id == delivery_id).values(attempts=2))
        row = await s.get(Delivery, delivery_id)
        assert row is not None
        job = ledger.Job(w.core, row, w.clock.now(), "another-process")
    assert job.retry
    other = SlackPort(w.core, w.adapter.clients, pacing=0)
    again = await other.dm(
        team, ana, PortMessage("Circle tomorrow at 19:00"), key=key, retry=job.retry
    )
    assert again == ts
    assert len([m for m in w.fake.dms_to(ana) if m.metadata]) == 1
    (look,) = w.fake.calls_to("conversations.history")
    assert look.params["include_all_metadata"] in ("1", True, "true")

    # Slack posts but the answer is lost (503): the port looks before sending again.
    w.fake.fail_next("chat.postMessage", status=503, after_effect=True)
    key2 = f"ck:{delivery_id + 1000}:{ana}"
    await other.dm(team, ana, PortMessage("Prompt for this week"), key=key2)
    copies = [
        m for m in w.fake.dms_to(ana) if (m.metadata or {}).get("event_payload") == {"key": key2}
    ]
    assert len(copies) == 1
    assert w.fake.violations == []


async def test_channel_post_and_dm_reach_people(w: SlackWorld) -> None:
    """Reminders go out through the port as a keyed channel post and keyed DMs with buttons."""
    c = await create_circle(w)
    _org, lee, _maya, channel_id = c.org, c.lee, c.maya, c.channel
    team = w.fake.team.id
    when = w.adapter.port.format_time(w.clock.now(), ZoneInfo("Europe/Madrid"), "en")
    text = f"Reminder: the circle meets {when}."
    buttons = (
        Button("Yes, I will come", "rsvp yes circle:#1", "primary"),
        Button("No", "rsvp no circle:#1"),
    )
    await w.adapter.port.post(team, channel_id, PortMessage(text, buttons), key="ck:1:channel")
    await w.adapter.port.dm(team, lee, PortMessage(text, buttons), key=f"ck:1:{lee}")
    posted = w.fake.messages_in(channel_id)[-1]
    assert "<!date^" in (posted.text or "") and "|Mon 2026-03-02 16:00 CET>" in (posted.text or "")
    assert [b["value"] for b in posted.buttons()] == ["rsvp yes circle:#1", "rsvp no circle:#1"]
    assert [b.get("style") for b in posted.buttons()] == ["primary", None]
    (dm,) = [m for m in w.fake.dms_to(lee) if m.metadata]
    assert dm.metadata["event_payload"] == {"key": f"ck:1:{lee}"}  # type: ignore[index]
    assert w.fake.violations == []


async def test_single_token_refuses_another_workspace(w: SlackWorld) -> None:
    other = w.fake.add_team("T0ELSEWHR", "Elsewhere")
    stranger = w.fake.add_user("sam", team_id=other.id, is_admin=True)
    their_general = w.fake.add_channel("general", team_id=other.id, members=[stranger])
    calls = len(w.fake.calls)
    before = len(w.fake.responses_for(stranger))
    reply = await w.driver.slash(stranger, 'create "Their circle"', channel_id=their_general)
    assert reply.status == 200
    await w.fake.wait_until(lambda: len(w.fake.responses_for(stranger)) > before)
    assert "not installed in this workspace" in w.fake.responses_for(stranger)[-1].text
    assert all(c.team_id in (None, w.fake.team.id) for c in w.fake.calls[calls:])
    assert w.fake.private_channels(other.id) == []


async def install(w: SlackWorld, team_id: str, installer: str) -> None:
    """The OAuth install flow, as a browser goes through it."""
    base = w.adapter.events_url.removesuffix("/slack/events")
    async with aiohttp.ClientSession() as browser:
        async with browser.get(f"{base}/slack/install", allow_redirects=False) as page:
            body = await page.text()
            assert page.status in (200, 302)
            location = page.headers.get("Location", "") + body
            # The state cookie is Secure (the real endpoint is https); a browser sends it back.
            cookie = page.headers["Set-Cookie"].split(";")[0]
        match = re.search(r"state=([A-Za-z0-9_\-]+)", location)
        assert match, "the install page links to Slack's authorize URL with a state"
        code = w.fake.issue_oauth_code(team_id, installer)
        async with browser.get(
            f"{base}/slack/oauth_redirect",
            params={"code": code, "state": match[1]},
            headers={"Cookie": cookie},
        ) as done:
            assert done.status == 200, await done.text()


async def test_oauth_installs_keep_workspaces_apart(db_url: str) -> None:
    async with SlackWorld(db_url, oauth=True) as w:
        b = w.fake.add_team("T0SECOND1", "Second Org")
        org_a = w.person("olga", admin=True)
        org_b = w.person("bea", admin=True, team_id=b.id)
        general_b = w.fake.add_channel("general", team_id=b.id, members=[org_b])
        await install(w, w.fake.team.id, org_a)
        await install(w, b.id, org_b)

        created = await w.circle(org_a, 'create "Tuesday circle"')
        assert "Created the circle" in created.text
        (channel_a,) = w.fake.private_channels(w.fake.team.id)

        listing = await w.circle(org_b, "list", channel=general_b)
        assert "There are no circles yet" in listing.text
        info = await w.circle(org_b, "info circle:#1", channel=general_b)
        assert 'There is no circle called "#1" here' in info.text
        same = await w.circle(org_b, 'create "Tuesday circle"', channel=general_b)
        assert "Created the circle" in same.text
        (channel_b,) = w.fake.private_channels(b.id)
        assert channel_b.id != channel_a.id
        # Each workspace's calls used its own bot token.
        assert {c.team_id for c in w.fake.calls_to("conversations.create")} == {
            w.fake.team.id,
            b.id,
        }
        assert w.fake.violations == []


async def test_socket_mode(db_url: str) -> None:
    async with SlackWorld(db_url, socket_mode=True) as w:
        ana = w.person("ana")
        reply = await w.circle(ana, "resources")
        assert "988" in reply.text and reply.ephemeral
        assert w.fake.calls_to("apps.connections.open")
        assert w.fake.violations == []


async def test_commands_are_acknowledged_before_the_work_is_done(w: SlackWorld) -> None:
    org = w.person("olga", admin=True)
    gate = w.fake.hold("conversations.create")
    reply = await w.driver.slash(org, 'create "Tuesday circle"', channel_id=w.general)
    # Slack got its answer while the channel was still being created.
    assert reply.status == 200 and reply.body == ""
    assert w.fake.private_channels() == [] and w.fake.responses_for(org) == []
    gate.set()
    await w.fake.wait_until(lambda: len(w.fake.responses_for(org)) == 1)
    assert "Created the circle" in w.fake.responses_for(org)[0].text


async def test_buttons_and_forms_over_socket_mode(db_url: str) -> None:
    async with SlackWorld(db_url, socket_mode=True) as w:
        c = await create_circle(w)
        agreed = await w.press(c.lee, *agree_button(w, c.lee))
        assert "You agreed" in agreed.text and c.lee in w.fake.channels[c.channel].members
        await w.circle_modal(c.lee, "prompt add writing", channel=c.channel)
        (modal,) = w.fake.open_modals(c.lee)
        reply = await w.driver.submit(c.lee, modal, {"text": "Write a letter to your past self."})
        assert reply.json["response_action"] == "update"
        assert "Added a writing prompt" in json_text(reply.json["view"])
        assert w.fake.violations == []


async def test_mentions_resolve_only_to_people_of_this_workspace(w: SlackWorld) -> None:
    ana = w.person("ana")
    other = w.fake.add_team("T0ELSEWHR", "Elsewhere")
    stranger = w.fake.add_user("sam", team_id=other.id)
    port, team = w.adapter.port, w.fake.team.id
    assert await port.resolve_user(team, f"<@{ana}|ana>") == ana
    assert await port.resolve_user(team, f"<@{ana}>") == ana
    assert await port.resolve_user(team, ana) == ana
    assert await port.resolve_user(team, "@ana") is None  # unescaped: Slack did not resolve it
    assert await port.resolve_user(team, f"<@{stranger}|sam>") is None
    assert await port.resolve_user(team, f"<@{w.fake.bot_user_id}>") is None
    assert port.mention(ana) == f"<@{ana}>"


async def test_private_message_falls_back_to_a_dm(w: SlackWorld) -> None:
    ana = w.person("ana")
    c = await create_circle(w)
    await w.adapter.port.post_private(w.fake.team.id, c.channel, ana, PortMessage("Only for Ana"))
    assert w.fake.ephemerals_for(ana) == []
    assert any(m.text == "Only for Ana" for m in w.fake.dms_to(ana))
    await w.adapter.port.post_private(w.fake.team.id, c.channel, c.maya, PortMessage("For Maya"))
    assert [e.text for e in w.fake.ephemerals_for(c.maya)] == ["For Maya"]


async def test_reminders_with_rsvp_buttons(w: SlackWorld) -> None:
    """Meeting reminders reach the channel and DMs with RSVP buttons that work."""
    try:
        scheduling = importlib.import_module("bot.scheduling")
    except ImportError:
        pytest.skip("the meetings/reminders code is not in this tree yet")
    scheduling.attach(w.core)
    c = await create_circle(w)
    ana = w.person("ana")
    await w.press(c.lee, *agree_button(w, c.lee))
    await w.circle(c.lee, f"add {w.tag(ana)}", channel=c.channel)
    await w.press(ana, *agree_button(w, ana))
    await w.circle(c.lee, "notify channel", channel=c.channel)
    reply = await w.circle(
        c.lee, "schedule set day:tuesday time:19:00 timezone:Europe/Madrid", channel=c.channel
    )
    assert "19:00" in reply.text or "<!date^" in reply.text, reply.text

    # Monday 15:00 UTC; the 24-hour reminder of Tuesday 19:00 Madrid (18:00 UTC) is due at 18:00.
    w.clock.advance(timedelta(hours=3, minutes=1))
    await w.core.tick()
    in_channel = [m for m in w.fake.messages_in(c.channel) if "Reminder" in (m.text or "")]
    assert len(in_channel) == 1 and in_channel[0].metadata is not None
    assert "<!date^" in (in_channel[0].text or "")
    dms = [m for m in w.fake.dms_to(ana) if "Reminder" in (m.text or "")]
    assert len(dms) == 1 and dms[0].metadata is not None
    await w.core.tick()  # nothing goes out twice
    assert len([m for m in w.fake.dms_to(ana) if "Reminder" in (m.text or "")]) == 1

    yes = next(b for b in dms[0].buttons() if b["value"].startswith("rsvp yes"))
    answered = await w.press(ana, dms[0], yes["action_id"])
    assert answered.ephemeral, answered.text
    assert "<!date^" in answered.text  # the meeting, in the reader's own time
    no = next(b for b in in_channel[0].buttons() if b["value"].startswith("rsvp no"))
    answered = await w.press(c.lee, in_channel[0], no["action_id"])
    assert answered.ephemeral
    assert w.fake.violations == []


async def test_bad_signatures_on_buttons_change_nothing(w: SlackWorld) -> None:
    c = await create_circle(w)
    welcome = agree_button_message(w, c.lee)
    for signature in ("bad", "missing", "stale"):
        reply = await w.driver.click(c.lee, welcome, "ck_run:0", signature=signature)  # type: ignore[arg-type]
        assert reply.status == 401
    assert c.lee not in w.fake.channels[c.channel].members
    assert w.fake.responses_for(c.lee) == []


async def test_url_verification(w: SlackWorld) -> None:
    reply = await w.driver.url_verification()
    assert reply.status == 200 and "challenge" in reply.json


async def test_a_refusal_after_the_ack_still_gets_a_clear_answer(w: SlackWorld) -> None:
    ana = w.person("ana")
    w.fake.fail_next("files.getUploadURLExternal", status=500, times=3)
    before = len(w.fake.responses_for(ana))
    await w.driver.slash(ana, "export", channel_id=w.general)
    await w.fake.wait_until(lambda: len(w.fake.responses_for(ana)) >= before + 2)
    export, failure = w.fake.responses_for(ana)[before:]
    assert "everything stored about you" in export.text
    assert failure.ephemeral and "internal_error" in failure.text and "try again" in failure.text
    assert w.fake.files == {}


async def test_typed_ampersands_arrive_once_escaped(w: SlackWorld) -> None:
    c = await create_circle(w)
    # Slack escapes & < > in slash-command text; the post escapes them again for display.
    reply = await w.circle(c.org, 'prompt post text:"Tea &amp; talk &lt;3" circle:"Tuesday circle"')
    assert "Posted" in reply.text
    posted = w.fake.messages_in(c.channel)[-1]
    assert "Tea &amp; talk &lt;3" in (posted.text or "") and "&amp;amp;" not in (posted.text or "")


async def test_a_create_that_fails_part_way_archives_its_channel(w: SlackWorld) -> None:
    org = w.person("olga", admin=True)
    w.fake.fail_next("pins.add", status=500, times=5)
    reply = await w.circle(org, 'create "Tuesday circle"')
    assert reply.ephemeral and "Created" not in reply.text and "Nothing was changed" in reply.text
    [channel] = w.fake.private_channels()
    assert channel.is_archived  # the half-made circle's channel is archived, not left in use
    async with w.core.sessions() as s:
        assert await repos.circles_in(s, "slack", w.fake.team.id) == []


async def test_slack_refusals_carry_a_neutral_kind_and_the_raw_code(w: SlackWorld) -> None:
    c = await create_circle(w)
    team = w.fake.team.id
    port = w.adapter.port
    ana = w.person("ana")
    w.fake.fail_next("chat.postMessage", status=200, error="cannot_dm_bot")
    with pytest.raises(PlatformError) as closed:
        await port.dm(team, ana, PortMessage("hello"))
    assert (closed.value.kind, closed.value.code) == (ErrorKind.DM_CLOSED, "cannot_dm_bot")
    cases = [
        ("not_in_channel", ErrorKind.NO_PERMISSION),
        ("missing_scope", ErrorKind.NO_PERMISSION),
        ("channel_not_found", ErrorKind.GONE),
        ("is_archived", ErrorKind.GONE),
        ("something_new", ErrorKind.OTHER),
    ]
    for code, kind in cases:
        w.fake.fail_next("chat.postMessage", status=200, error=code)
        with pytest.raises(PlatformError) as refused:
            await port.post(team, c.channel, PortMessage("hello"))
        assert (refused.value.kind, refused.value.code) == (kind, code)
    w.fake.fail_next("chat.postMessage", status=429, retry_after=0, times=4)
    with pytest.raises(PlatformError) as limited:
        await port.post(team, c.channel, PortMessage("hello"))
    assert limited.value.kind is ErrorKind.RATE_LIMITED
    assert not any((m.text or "") == "hello" for m in w.fake.messages_in(c.channel))


async def test_a_closed_dm_becomes_a_notice_in_the_circle_channel_by_core(w: SlackWorld) -> None:
    """The same core rule as on Discord: the notice names the person, never the DM's text."""
    c = await create_circle(w)
    team = w.fake.team.id
    w.fake.fail_next("chat.postMessage", status=200, error="cannot_dm_bot")
    sent = await notices.dm_or_notice(
        w.core, w.adapter.port, team, c.lee, PortMessage("private words"), key="ck:7:lee"
    )
    notice = w.fake.messages_in(c.channel)[-1]
    assert notice.ts == sent
    assert f"<@{c.lee}>" in (notice.text or "") and "private words" not in (notice.text or "")
    assert notice.metadata == {
        "event_type": "circlekeeper_delivery",
        "event_payload": {"key": "ck:7:lee:dm-closed"},
    }


async def test_create_without_a_zone_asks_with_a_select_in_a_modal(db_url: str) -> None:
    """Issue 10 item 10: with no default zone configured, ``create`` opens a modal whose zone
    field is a select; submitting it creates the circle in that zone."""
    async with SlackWorld(db_url, circles={}) as w:
        org = w.person("olga", admin=True)
        lee = w.person("lee")
        await w.circle_modal(org, f'create "Tuesday circle" leader:{w.tag(lee)}')
        (modal,) = w.fake.open_modals(org)
        field = modal.blocks[0]
        assert field["block_id"] == "timezone"
        assert field["element"]["type"] == "static_select"
        values = [o["value"] for o in field["element"]["options"]]
        assert "America/Los_Angeles" in values and "Europe/Madrid" in values
        assert w.fake.private_channels() == []  # nothing created yet
        reply = await w.driver.submit(org, modal, {"timezone": "Europe/Madrid"})
        assert reply.json["response_action"] == "update"
        assert 'Created the circle \\"Tuesday circle' in json_text(reply.json["view"])
        info = await w.circle(lee, "info")
        assert "Time zone: Europe/Madrid" in info.text
        assert w.fake.violations == []


async def test_archive_archives_the_slack_channel(w: SlackWorld) -> None:
    """Issue 10 item 8: an archived circle's Slack channel is archived (readable, no posts);
    its members stay in it, so they can still read it."""
    c = await create_circle(w)
    await w.press(c.lee, *agree_button(w, c.lee))
    reply = await w.circle(c.lee, "manage archive", channel=c.channel)
    assert "Only these people" in reply.text
    reply = await w.circle(c.org, 'manage archive circle:"Tuesday circle"')
    assert "is archived" in reply.text, reply.text
    channel = w.fake.channels[c.channel]
    assert channel.is_archived and c.lee in channel.members
    reply = await w.circle(c.lee, "schedule set day:monday time:18:00", channel=c.channel)
    assert reply.text.startswith("Tuesday circle is archived")


async def test_a_spanish_speaking_person_reads_what_concerns_them_in_spanish(w: SlackWorld) -> None:
    """Slack's users.info (include_locale, users:read) says the person's language."""
    rosa = w.person("rosa")
    w.fake.users[rosa].locale = "es-LA"
    reply = await w.circle(rosa, "resources")
    assert reply.ephemeral
    assert reply.text.startswith("Si estás en peligro"), reply.text
    assert "Línea de la Vida" in reply.text and "text HOME" not in reply.text
    reply = await w.circle(rosa, "help")
    assert reply.text.startswith("Comandos que puedes usar"), reply.text
    reply = await w.circle(rosa, "rsvp quizás")  # not in a circle: the error is hers, in Spanish
    assert reply.text.startswith("¿En qué círculo?"), reply.text
    assert (await w.driver.app_home_opened(rosa)).status == 200  # her App Home too
    await w.fake.wait_until(lambda: w.fake.home_view(rosa) is not None)
    home = json_text(w.fake.home_view(rosa).view)  # type: ignore[union-attr]
    assert "Lo que puedes hacer" in home and "What you can do" not in home
    ana = w.person("ana")  # en-US
    reply = await w.circle(ana, "help")
    assert reply.text.startswith("Commands you can use"), reply.text
    assert w.fake.violations == []
