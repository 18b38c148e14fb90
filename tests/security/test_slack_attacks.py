"""Attacks through Slack (issue 9, items 4 and 13), with the real slack-bolt app over loopback
against the fake Slack Web API.

Replaying one signed ``/circle consult`` request three times within Slack's five minutes must
reach the mentor once; and the adapter's log lines must not put the asker next to the consult.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from tests.adapters.test_slack_adapter import install
from tests.fakes.slack.signing import signed_headers
from tests.fakes.slack.world import SECRET, SlackWorld


@pytest.fixture
async def w(db_url: str) -> AsyncIterator[SlackWorld]:
    async with SlackWorld(db_url) as world:
        yield world


async def circle_with_mentor(w: SlackWorld) -> tuple[str, str, str]:
    """(leader, mentor, member): "Tuesday circle" with Ana in it."""
    org = w.person("olga", admin=True)
    lee, maya, ana = w.person("lee"), w.person("maya"), w.person("ana")
    reply = await w.circle(org, f'create "Tuesday circle" leader:{w.tag(lee)} mentor:{w.tag(maya)}')
    assert "Created" in reply.text
    added = await w.circle(lee, f'add {w.tag(ana)} circle:"Tuesday circle"')
    assert "Added" in added.text
    return lee, maya, ana


def consult_body(w: SlackWorld, user: str, text: str) -> bytes:
    person = w.fake.users[user]
    team = w.fake.teams[person.team_id]
    payload = {
        "token": "legacy-verification-token",
        "team_id": team.id,
        "team_domain": team.domain,
        "channel_id": w.general,
        "channel_name": "general",
        "user_id": user,
        "user_name": person.name,
        "command": "/circle",
        "text": text,
        "api_app_id": team.app_id,
        "is_enterprise_install": "false",
        "response_url": w.fake.new_response_url(user, w.general),
        "trigger_id": w.fake.new_trigger_id(user),
    }
    return urlencode(payload).encode()


async def test_a_replayed_signed_consult_reaches_the_mentor_once(w: SlackWorld) -> None:
    _lee, maya, ana = await circle_with_mentor(w)
    body = consult_body(w, ana, 'consult "I need to talk" anonymous:yes')
    headers = signed_headers(SECRET, body, now=time.time())  # captured once, sent four times
    before = len(w.fake.dms_to(maya))
    for _ in range(4):
        reply = await w.driver.post_raw(
            body, "application/x-www-form-urlencoded", signature="missing", extra_headers=headers
        )
        assert reply.status in (200, 401)
    await w.fake.wait_until(lambda: len(w.fake.dms_to(maya)) > before)
    await asyncio.sleep(0.5)  # time for replays that got through to arrive too
    assert len(w.fake.dms_to(maya)) == before + 1
    # A fresh request (newly signed) is served as usual.
    again = await w.circle(ana, 'consult "Another thing" anonymous:yes')
    assert "without your name" in again.text
    assert len(w.fake.dms_to(maya)) == before + 2


async def test_the_logs_do_not_name_the_consults_asker(
    w: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    _lee, _maya, ana = await circle_with_mentor(w)
    caplog.clear()
    caplog.set_level(logging.INFO)
    reply = await w.circle(ana, 'consult "please call me" anonymous:yes')
    assert "without your name" in reply.text
    lines = [r.getMessage() for r in caplog.records if r.name.startswith(("bot", "circlekeeper"))]
    assert lines, "the adapter logs the request"
    assert not [line for line in lines if ana in line]


async def test_forget_me_blanks_the_person_on_the_slack_installation(db_url: str) -> None:
    async with SlackWorld(db_url, oauth=True) as w:
        olga = w.person("olga", admin=True)
        await install(w, w.fake.team.id, olga)
        installers = "SELECT user_id FROM slack_installations"
        async with w.core.sessions() as s:
            assert [r[0] for r in await s.execute(text(installers))] == [olga]
        done = await w.circle(olga, "forget-me confirm:yes")
        assert "deleted" in done.text
        async with w.core.sessions() as s:
            assert olga not in [r[0] for r in await s.execute(text(installers))]
        still = await w.circle(olga, 'create "Tuesday circle"')  # the workspace keeps working
        assert "Created the circle" in still.text
