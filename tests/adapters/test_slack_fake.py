"""The fake Slack Web API behaves like Slack for the real slack_sdk and slack-bolt."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack import DEFAULT_BOT_SCOPES, FakeSlack
from tests.fakes.slack.driver import SlackDriver
from tests.fakes.slack.spec import load_spec

SECRET = "test-signing-secret"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        yield server


def client_for(
    fake: FakeSlack, token: str | None = None, *, retries: bool = True
) -> AsyncWebClient:
    client = AsyncWebClient(token=token or fake.bot_token, base_url=fake.base_url, timeout=10)
    if retries:
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
        client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    return client


async def api_error(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        await call
    return str(info.value.response["error"])


async def test_private_channel_invite_post_with_metadata(fake: FakeSlack) -> None:
    ana = fake.add_user("ana")
    ben = fake.add_user("ben")
    client = client_for(fake)

    auth = await client.auth_test()
    assert auth["user_id"] == fake.bot_user_id and auth["team_id"] == fake.team.id

    created = await client.conversations_create(name="circle-tuesday", is_private=True)
    cid = created["channel"]["id"]
    assert created["channel"]["is_private"] is True
    assert fake.channels[cid].members == {fake.bot_user_id}

    await client.conversations_invite(channel=cid, users=[ana, ben])
    members = await client.conversations_members(channel=cid)
    assert set(members["members"]) == {fake.bot_user_id, ana, ben}

    posted = await client.chat_postMessage(
        channel=cid,
        text="Meeting tomorrow",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "Meeting tomorrow"}}],
        metadata={"event_type": "circle_delivery", "event_payload": {"key": "c1:2024-05-07:24h"}},
    )
    (message,) = fake.messages_in(cid)
    assert message.ts == posted["ts"]
    assert message.metadata == {
        "event_type": "circle_delivery",
        "event_payload": {"key": "c1:2024-05-07:24h"},
    }
    await client.pins_add(channel=cid, timestamp=posted["ts"])
    assert fake.pinned(cid) == [message]

    await client.conversations_kick(channel=cid, user=ben)
    assert ben not in fake.channels[cid].members
    assert fake.violations == []


async def test_dm_history_with_metadata_but_no_history_of_circle_channels(fake: FakeSlack) -> None:
    ana = fake.add_user("ana")
    client = client_for(fake)
    dm = (await client.conversations_open(users=ana))["channel"]["id"]
    await client.chat_postMessage(
        channel=dm,
        text="Reminder",
        metadata={"event_type": "circle_delivery", "event_payload": {"key": "k-1"}},
    )
    plain = await client.conversations_history(channel=dm, limit=10)
    assert "metadata" not in plain["messages"][0]
    full = await client.conversations_history(channel=dm, limit=10, include_all_metadata=True)
    assert full["messages"][0]["metadata"]["event_payload"] == {"key": "k-1"}

    channel = (await client.conversations_create(name="circle", is_private=True))["channel"]["id"]
    with pytest.raises(SlackApiError) as info:
        await client.conversations_history(channel=channel)
    assert info.value.response["error"] == "missing_scope"
    assert info.value.response["needed"] == "groups:history"
    assert fake.violations == []


async def test_slack_errors_are_enforced(fake: FakeSlack) -> None:
    ana = fake.add_user("ana")
    client = client_for(fake)
    cid = (await client.conversations_create(name="circle-a", is_private=True))["channel"]["id"]

    assert await api_error(client.conversations_create(name="circle-a", is_private=True)) == (
        "name_taken"
    )
    assert await api_error(client.conversations_create(name="Has Spaces", is_private=True)) == (
        "invalid_name_specials"
    )
    await client.conversations_invite(channel=cid, users=ana)
    assert await api_error(client.conversations_invite(channel=cid, users=ana)) == (
        "already_in_channel"
    )
    assert await api_error(client.conversations_kick(channel=cid, user=fake.bot_user_id)) == (
        "cant_kick_self"
    )
    assert await api_error(client.chat_postMessage(channel="C404", text="x")) == (
        "channel_not_found"
    )
    outsider_channel = fake.add_channel("general", members=[ana])
    assert await api_error(client.chat_postMessage(channel=outsider_channel, text="x")) == (
        "not_in_channel"
    )
    private_elsewhere = fake.add_channel("secret", members=[ana], is_private=True)
    assert await api_error(client.chat_postMessage(channel=private_elsewhere, text="x")) == (
        "channel_not_found"
    )
    ben = fake.add_user("ben")
    assert await api_error(client.chat_postEphemeral(channel=cid, user=ben, text="x")) == (
        "user_not_in_channel"
    )
    with pytest.warns(UserWarning, match="text"):
        assert await api_error(client.chat_postMessage(channel=cid)) == "no_text"
    too_long_value = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "rsvp",
                "text": {"type": "plain_text", "text": "Yes"},
                "value": "x" * 2001,
            }
        ],
    }
    assert await api_error(
        client.chat_postMessage(channel=cid, text="x", blocks=[too_long_value])
    ) == ("invalid_blocks")
    assert await api_error(client_for(fake, "xoxb-wrong").auth_test()) == "invalid_auth"
    assert fake.messages_in(cid) == []


async def test_one_workspace_cannot_see_another(fake: FakeSlack) -> None:
    other = fake.add_team("T0OTHER01", "Other Org")
    theirs = fake.add_user("zoe", team_id=other.id)
    ours = client_for(fake)
    other_client = client_for(fake, other.bot_token)
    their_channel = (await other_client.conversations_create(name="circle", is_private=True))[
        "channel"
    ]["id"]
    # The same name is free in our workspace, and their channel and people are invisible here.
    await ours.conversations_create(name="circle", is_private=True)
    assert await api_error(ours.chat_postMessage(channel=their_channel, text="x")) == (
        "channel_not_found"
    )
    assert await api_error(ours.users_info(user=theirs)) == "user_not_found"


async def test_rate_limit_is_retried_by_slack_sdk(fake: FakeSlack) -> None:
    cid = (await client_for(fake).conversations_create(name="c", is_private=True))["channel"]["id"]
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    await client_for(fake).chat_postMessage(channel=cid, text="hello")
    statuses = [c.status for c in fake.calls_to("chat.postMessage")]
    assert statuses == [429, 200]
    assert len(fake.messages_in(cid)) == 1

    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    with pytest.raises(SlackApiError) as info:
        await client_for(fake, retries=False).chat_postMessage(channel=cid, text="again")
    assert info.value.response.status_code == 429
    assert info.value.response["error"] == "ratelimited"
    assert info.value.response.headers["Retry-After"] == "0"
    assert len(fake.messages_in(cid)) == 1


async def test_server_error_is_retried_and_a_lost_response_duplicates(fake: FakeSlack) -> None:
    client = client_for(fake)
    cid = (await client.conversations_create(name="c", is_private=True))["channel"]["id"]
    fake.fail_next("chat.postMessage", status=500)
    await client.chat_postMessage(channel=cid, text="once")
    assert len(fake.messages_in(cid)) == 1

    # A post that happened but whose answer was lost: a blind retry duplicates it, which is why
    # deliveries carry metadata to look for before posting again.
    fake.fail_next("chat.postMessage", status=503, after_effect=True)
    await client.chat_postMessage(channel=cid, text="twice")
    assert [m.text for m in fake.messages_in(cid)] == ["once", "twice", "twice"]


async def test_spec_violations_are_detected(fake: FakeSlack) -> None:
    if load_spec() is None:
        pytest.skip("../shared/specs is absent")
    client = client_for(fake)
    cid = (await client.conversations_create(name="c", is_private=True))["channel"]["id"]
    assert fake.violations == []
    await client.chat_postMessage(channel=cid, text="x", colour="blue")
    assert fake.violations == ["chat.postMessage: unknown argument 'colour'"]
    fake.violations.clear()
    with pytest.raises(SlackApiError):
        await client.api_call("conversations.history", json={"channel": cid})
    assert fake.violations == [
        "conversations.history: does not accept a JSON body (Slack ignores its arguments)"
    ]
    fake.violations.clear()
    with pytest.raises(SlackApiError):
        await client.api_call("chat.postMesage", json={"channel": cid, "text": "x"})
    assert fake.violations == ["chat.postMesage: method not in Slack's API description"]


async def test_files_upload_v2(fake: FakeSlack) -> None:
    client = client_for(fake)
    cid = (await client.conversations_create(name="c", is_private=True))["channel"]["id"]
    result = await client.files_upload_v2(
        channel=cid, filename="circle.ics", content=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        title="Circle meetings",
    )  # fmt: skip
    stored = fake.files[result["file"]["id"]]
    assert stored.content == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    assert stored.channels == [cid] and stored.title == "Circle meetings"
    assert fake.messages_in(cid)[-1].files == [stored.id]
    assert fake.violations == []


async def test_views_triggers_and_home(fake: FakeSlack) -> None:
    ana = fake.add_user("ana")
    client = client_for(fake)
    modal = {
        "type": "modal",
        "callback_id": "create",
        "title": {"type": "plain_text", "text": "New circle"},
        "submit": {"type": "plain_text", "text": "Create"},
        "blocks": [
            {
                "type": "input",
                "block_id": "name",
                "label": {"type": "plain_text", "text": "Name"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }
    trigger = fake.new_trigger_id(ana)
    opened = await client.views_open(trigger_id=trigger, view=modal)
    assert fake.open_modals(ana)[0].id == opened["view"]["id"]
    assert await api_error(client.views_open(trigger_id=trigger, view=modal)) == (
        "exchanged_trigger_id"
    )
    too_long_title = {**modal, "title": {"type": "plain_text", "text": "x" * 25}}
    assert await api_error(
        client.views_open(trigger_id=fake.new_trigger_id(ana), view=too_long_title)
    ) == ("invalid_arguments")

    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    await client.views_publish(user_id=ana, view=home)
    view = fake.home_view(ana)
    assert view is not None and view.blocks == home["blocks"]
    assert fake.violations == []


async def test_expired_trigger(fake: FakeSlack) -> None:
    fake.trigger_ttl = 0.0
    ana = fake.add_user("ana")
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []}
    trigger = fake.new_trigger_id(ana)
    await asyncio.sleep(0.01)
    assert await api_error(client_for(fake).views_open(trigger_id=trigger, view=modal)) == (
        "expired_trigger_id"
    )


async def test_scopes_are_enforced() -> None:
    async with FakeSlack(scopes=DEFAULT_BOT_SCOPES - {"pins:write"}) as fake:
        client = client_for(fake)
        cid = (await client.conversations_create(name="c", is_private=True))["channel"]["id"]
        ts = (await client.chat_postMessage(channel=cid, text="rules"))["ts"]
        with pytest.raises(SlackApiError) as info:
            await client.pins_add(channel=cid, timestamp=ts)
        assert info.value.response["error"] == "missing_scope"


async def test_oauth_v2_access(fake: FakeSlack) -> None:
    other = fake.add_team("T0OTHER01", "Other Org")
    admin = fake.add_user("admin", team_id=other.id)
    code = fake.issue_oauth_code(other.id, admin)
    client = AsyncWebClient(base_url=fake.base_url)
    result = await client.oauth_v2_access(
        client_id=fake.client_id, client_secret=fake.client_secret, code=code
    )
    assert result["access_token"] == other.bot_token
    assert result["team"]["id"] == other.id
    with pytest.raises(SlackApiError):
        await client.oauth_v2_access(
            client_id=fake.client_id, client_secret=fake.client_secret, code=code
        )


# --------------------------------------------------------------------------- signed requests


class TinyApp:
    """A minimal Bolt app, to check the driver and the fake together (not circlekeeper)."""

    def __init__(self, fake: FakeSlack, **kwargs: Any) -> None:
        self.seen: list[str] = []
        self.app = AsyncApp(
            client=client_for(fake),
            signing_secret=SECRET,
            **kwargs,
        )
        self.app.command("/circle")(self.on_command)
        self.app.action("rsvp")(self.on_rsvp)
        self.app.view("create")(self.on_submit)
        self.app.event("app_home_opened")(self.on_home)

    async def on_command(self, ack: Any, body: dict[str, Any], respond: Any, client: Any) -> None:
        await ack()
        self.seen.append(f"command:{body['text']}")
        if body["text"] == "modal":
            await client.views_open(
                trigger_id=body["trigger_id"],
                view={
                    "type": "modal",
                    "callback_id": "create",
                    "title": {"type": "plain_text", "text": "New circle"},
                    "submit": {"type": "plain_text", "text": "Create"},
                    "blocks": [
                        {
                            "type": "input",
                            "block_id": "name",
                            "label": {"type": "plain_text", "text": "Name"},
                            "element": {"type": "plain_text_input", "action_id": "value"},
                        }
                    ],
                },
            )
            return
        await respond(
            text="RSVP?",
            blocks=[
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "rsvp",
                            "text": {"type": "plain_text", "text": "Yes"},
                            "value": "rsvp yes",
                        }
                    ],
                }
            ],
        )

    async def on_rsvp(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        self.seen.append(f"rsvp:{body['actions'][0]['value']}")
        await respond(text="Thanks", replace_original=True)

    async def on_submit(self, ack: Any, view: dict[str, Any]) -> None:
        name = view["state"]["values"]["name"]["value"]["value"]
        if not name:
            await ack(response_action="errors", errors={"name": "Give the circle a name."})
            return
        await ack()
        self.seen.append(f"created:{name}")

    async def on_home(self, event: dict[str, Any], client: Any) -> None:
        self.seen.append(f"home:{event['user']}")
        home = {
            "type": "home",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
        }
        await client.views_publish(user_id=event["user"], view=home)


@pytest.fixture
async def tiny_http(fake: FakeSlack) -> AsyncIterator[tuple[TinyApp, SlackDriver]]:
    tiny = TinyApp(fake)
    runner = web.AppRunner(tiny.app.web_app(path="/slack/events"), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    driver = SlackDriver(
        fake, signing_secret=SECRET, events_url=f"http://127.0.0.1:{port}/slack/events"
    )
    try:
        yield tiny, driver
    finally:
        await runner.cleanup()


async def test_signed_slash_command_and_button(
    fake: FakeSlack, tiny_http: tuple[TinyApp, SlackDriver]
) -> None:
    tiny, driver = tiny_http
    ana = fake.add_user("ana")
    general = fake.add_channel("general", members=[ana])
    reply = await driver.slash(ana, "hello", channel_id=general)
    assert reply.status == 200
    await fake.wait_until(lambda: len(fake.responses_for(ana)) == 1)
    prompt = fake.responses_for(ana)[0]
    assert prompt.text == "RSVP?" and prompt.ephemeral

    reply = await driver.click(ana, prompt, "rsvp")
    assert reply.status == 200
    await fake.wait_until(lambda: len(fake.responses_for(ana)) == 2)
    assert tiny.seen == ["command:hello", "rsvp:rsvp yes"]
    assert fake.violations == []


@pytest.mark.parametrize("signature", ["bad", "missing", "stale", "no_timestamp", "wrong_secret"])
async def test_bad_signatures_are_refused(
    fake: FakeSlack, tiny_http: tuple[TinyApp, SlackDriver], signature: Any
) -> None:
    tiny, driver = tiny_http
    ana = fake.add_user("ana")
    general = fake.add_channel("general", members=[ana])
    reply = await driver.slash(ana, "hello", channel_id=general, signature=signature)
    assert reply.status == 401
    await asyncio.sleep(0.05)
    assert tiny.seen == [] and fake.responses == []


async def test_modal_validation_errors(
    fake: FakeSlack, tiny_http: tuple[TinyApp, SlackDriver]
) -> None:
    tiny, driver = tiny_http
    ana = fake.add_user("ana")
    general = fake.add_channel("general", members=[ana])
    await driver.slash(ana, "modal", channel_id=general)
    await fake.wait_until(lambda: len(fake.open_modals(ana)) == 1)
    (modal,) = fake.open_modals(ana)

    reply = await driver.submit(ana, modal, {"name": ""})
    assert reply.json == {
        "response_action": "errors",
        "errors": {"name": "Give the circle a name."},
    }
    assert not modal.closed

    reply = await driver.submit(ana, modal, {"name": "Tuesday"})
    assert reply.status == 200 and modal.closed
    assert tiny.seen[-1] == "created:Tuesday"
    with pytest.raises(AssertionError):
        await driver.submit(ana, modal, {"nope": "x"})


async def test_app_home_opened_event(
    fake: FakeSlack, tiny_http: tuple[TinyApp, SlackDriver]
) -> None:
    tiny, driver = tiny_http
    ana = fake.add_user("ana")
    reply = await driver.app_home_opened(ana)
    assert reply.status == 200
    await fake.wait_until(lambda: fake.home_view(ana) is not None)
    assert tiny.seen == [f"home:{ana}"]


async def test_socket_mode(fake: FakeSlack) -> None:
    tiny = TinyApp(fake)
    handler = AsyncSocketModeHandler(tiny.app, fake.app_token)
    await handler.connect_async()
    try:
        driver = SlackDriver(fake)
        ana = fake.add_user("ana")
        general = fake.add_channel("general", members=[ana])
        reply = await driver.slash(ana, "hello", channel_id=general)
        assert reply.status == 200
        await fake.wait_until(lambda: len(fake.responses_for(ana)) == 1)
        assert tiny.seen == ["command:hello"]
        assert json.loads(json.dumps(fake.responses[0].body))["text"] == "RSVP?"
    finally:
        await handler.close_async()
    assert fake.violations == []
