"""Consults: the mentor gets the request privately; only the fact and the times are stored."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.commands.context import Invocation
from storage.models import Consult
from tests.harness import Harness
from tests.mentor_support import START, circle_id, dms_to, every_cell, make_circle, press

SECRET = "my brother is back in hospital and I cannot sleep"


async def consult_rows(h: Harness) -> list[Consult]:
    async with h.core.sessions() as s:
        return list((await s.execute(select(Consult).order_by(Consult.id))).scalars())


async def test_named_consult_reaches_the_mentor_and_the_ack_tells_the_asker(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        r = await h.run("ana", f'/circle consult "{SECRET}"')
        assert "went to @maya" in r.text and "request 1" in r.text
        [dm] = dms_to(h, "maya")[-1:]
        assert "@ana in Tuesday circle asks you for a consult" in dm.text
        assert SECRET in dm.text
        assert dm.buttons[0].label == "Acknowledge"
        assert dm.buttons[0].command == f"mentor ack id:1 circle:#{await circle_id(h)}"

        [row] = await consult_rows(h)
        assert (row.asker_id, row.mentor_id, row.asked_at) == ("ana", "maya", START)
        assert row.acknowledged_at is None and row.asker_seal is None
        assert "Open consult requests: 1" in (await h.run("maya", "/circle mentor status")).text

        h.clock.advance(timedelta(hours=5))
        r = await press(h, "lee", dm.buttons[0].command)
        assert "Only these people" in r.text  # only the mentor acknowledges
        r = await press(h, "maya", dm.buttons[0].command)
        assert "the person who asked was told" in r.text
        told = dms_to(h, "ana")[-1].text
        assert "@maya has seen the consult request you sent on 2026-03-02" in told
        [row] = await consult_rows(h)
        assert row.acknowledged_at == START + timedelta(hours=5)
        r = await press(h, "maya", dm.buttons[0].command)
        assert "already acknowledged" in r.text
        assert "Open consult requests: 0" in (await h.run("maya", "/circle mentor status")).text


async def test_anonymous_consult_stores_neither_text_nor_asker(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with Harness(db_url, START) as h:
        await make_circle(h)
        before = await every_cell(h)
        r = await h.run("ana", f"/circle consult {SECRET} anonymous:yes")
        assert "without your name" in r.text
        [dm] = dms_to(h, "maya")[-1:]
        assert SECRET in dm.text
        assert "anonymous consult request" in dm.text and "@ana" not in dm.text

        after = await every_cell(h)
        new_rows = {t: [r for r in rows if r not in before[t]] for t, rows in after.items()}
        assert [t for t, rows in new_rows.items() if rows] == ["consults"]
        for table, rows in after.items():
            for row in rows:
                for cell in row:
                    assert not (isinstance(cell, str) and SECRET[:20] in cell), table
        for row in new_rows["consults"]:
            assert "ana" not in row
        [consult] = await consult_rows(h)
        assert consult.asker_id is None and consult.mentor_id == "maya"
        assert SECRET[:20] not in caplog.text

        # Acknowledging still tells the asker (their ID is sealed under the server secret).
        h.clock.advance(timedelta(days=1))
        r = await press(h, "maya", dm.buttons[0].command)
        assert "the person who asked was told" in r.text
        assert "has seen the anonymous consult request" in dms_to(h, "ana")[-1].text
        [consult] = await consult_rows(h)
        assert consult.asker_seal is not None and consult.asker_id is None
        assert consult.acknowledged_at == START + timedelta(days=1)
        assert SECRET[:20] not in caplog.text


async def test_an_old_buttons_seal_option_is_ignored(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("ana", '/circle consult anonymous:yes "please call me"')
        command = dms_to(h, "maya")[-1].buttons[0].command
        assert "seal:" not in command
        r = await press(h, "maya", command + " seal:AAAAAAAAAAAAAAAAAAAA")
        assert "the person who asked was told" in r.text


async def test_empty_consult_opens_a_form(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        r = await h.run("ben", "/circle consult anonymous:yes")
        assert r.form is not None
        assert r.form.command == "consult"
        assert [f.name for f in r.form.fields] == ["message"]
        cid = await circle_id(h)
        assert r.form.fixed == {"circle": f"#{cid}", "anonymous": "yes"}
        assert await consult_rows(h) == []

        # Submitting the form runs the command with the fields and the fixed values.
        ben = Invocation("console", "console", "ben")
        outcome = await h.router.submit_form(
            ben, r.form.command, r.form.fixed, {"message": "a hard week"}
        )
        assert outcome.ok and outcome.command == "consult"
        r = outcome.reply
        assert "without your name" in r.text
        assert "a hard week" in dms_to(h, "maya")[-1].text
        [row] = await consult_rows(h)
        assert row.asker_id is None


async def test_consult_refusals_write_nothing(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        await h.run("lee", "/circle add @ana")
        r = await h.run("ana", '/circle consult "help"')
        assert "has no mentor" in r.text
        r = await h.run("cara", '/circle consult circle:"Tuesday circle" "help"')
        assert "Only these people" in r.text
        r = await h.run("ana", "/circle consult " + "x" * 2001)
        assert "2000 characters" in r.text
        r = await h.run("ana", "/circle mentor ack id:1")
        assert "Only these people" in r.text
        assert await consult_rows(h) == []
