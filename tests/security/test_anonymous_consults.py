"""Anonymous consults (issue 9, items 1, 4, 5): no one party can link a request to its asker.

The attacks: the mentor unseals with what their button carries; someone with the database file
(or an export) unseals with what is stored; the logs put the asker next to the request. And the
mentor's answer must reach the asker without revealing them, and nobody after forget-me.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import Consult
from tests.harness import Harness
from tests.mentor_support import START, dms_to, every_cell, make_circle, press

SECRET = "my brother is back in hospital and I cannot sleep"
ANSWER = "I hear you. Would a call on Thursday evening help?"


async def consults(h: Harness) -> list[Consult]:
    async with h.core.sessions() as s:
        return list((await s.execute(select(Consult).order_by(Consult.id))).scalars())


def cells_as_text(cells: dict[str, list[tuple[object, ...]]]) -> list[str]:
    return [c for rows in cells.values() for row in rows for c in row if isinstance(c, str)]


async def test_the_mentor_and_the_database_cannot_unseal_the_asker(db_url: str) -> None:
    from bot.core.sealing import SEAL_LENGTH, Sealer  # here: the module is part of the fix

    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("ana", f'/circle consult "{SECRET}" anonymous:yes')
        [dm] = dms_to(h, "maya")
        # What the mentor holds: the buttons carry the request's number and circle, nothing more.
        for button in dm.buttons:
            assert "seal" not in button.command and "ana" not in button.command
            assert set(button.command.split()[2:]) <= {"id:1", f"circle:#{1}"}
        # What the mentor's own export holds: no seal, no asker.
        mine = await h.run("maya", "/circle export")
        assert mine.file is not None
        exported = mine.file.data.decode()
        assert "seal" not in exported and "ana" not in exported
        # What the database file holds: no asker ID with the request, and nothing stored
        # (any text in any table, as a key) opens the seal.
        cells = await every_cell(h)
        assert "ana" not in cells_as_text({"consults": cells["consults"]})
        [row] = await consults(h)
        assert row.asker_id is None and row.asker_seal is not None
        stored = cells_as_text(cells)
        for guess in stored:
            for key in (guess.encode(), guess.encode().ljust(32, b"\0")):
                assert Sealer(key).open(row.asker_seal, f"consult:{row.id}") is None
        # The seal's length does not depend on the ID's length.
        sealer = h.core.seals()
        assert {len(sealer.seal(u, "consult:1")) for u in ("a", "ana", "U" * 64)} == {SEAL_LENGTH}
        # Only the server (holding CIRCLEKEEPER_SECRET) tells the asker of the acknowledgement.
        r = await press(h, "maya", dm.buttons[0].command)
        assert "the person who asked was told" in r.text
        assert "has seen the anonymous consult request" in dms_to(h, "ana")[-1].text


async def test_the_logs_do_not_link_the_asker_to_the_request(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        caplog.clear()
        caplog.set_level(logging.INFO)
        await h.run("ana", f'/circle consult "{SECRET}" anonymous:yes')
        await press(h, "maya", dms_to(h, "maya")[-1].buttons[0].command)
        await h.run("maya", f'/circle mentor reply id:1 "{ANSWER}"')
        assert "ana" not in caplog.text
        assert SECRET[:20] not in caplog.text and ANSWER[:20] not in caplog.text
        assert "consult=1" not in caplog.text


async def test_the_mentor_answers_without_learning_who_asked(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("ana", f'/circle consult "{SECRET}" anonymous:yes')
        [dm] = dms_to(h, "maya")
        reply_button = next(b for b in dm.buttons if b.label == "Reply")
        form = await press(h, "maya", reply_button.command)
        assert form.form is not None and form.form.fixed["id"] == "1"
        before = await every_cell(h)
        r = await h.run("maya", f'/circle mentor reply id:1 "{ANSWER}"')
        assert "delivered privately" in r.text and "ana" not in r.text
        answer = dms_to(h, "ana")[-1].text
        assert ANSWER in answer and "still do not know who you are" in answer
        after = await every_cell(h)
        assert not any(ANSWER[:20] in c for c in cells_as_text(after))  # the words are not kept
        assert len(after["consults"]) == len(before["consults"])
        # Someone else who is not the mentor cannot use the number to reach the asker.
        r = await h.run("ben", f'/circle mentor reply id:1 "{ANSWER}"')
        assert "Only these people" in r.text

        # After forget-me the answer reaches nobody, and the mentor is not told why.
        await h.run("ana", "/circle forget-me confirm:yes")
        told = len(dms_to(h, "ana"))
        r = await h.run("maya", '/circle mentor reply id:1 "Are you still there?"')
        assert "could not be delivered" in r.text and "forget" not in r.text.lower()
        assert len(dms_to(h, "ana")) == told


async def test_the_reply_window_ends_and_the_seal_goes(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("ana", '/circle consult "a hard week" anonymous:yes')
        h.clock.advance(timedelta(days=31))
        r = await h.run("maya", '/circle mentor reply id:1 "Checking in"')
        assert "could not be delivered" in r.text
        [row] = await consults(h)
        assert row.asker_seal is None


async def test_an_export_of_the_asker_shows_their_request_but_no_seal(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("ana", '/circle consult "a hard week" anonymous:yes')
        r = await h.run("ana", "/circle export")
        assert r.file is not None
        data = json.loads(r.file.data)
        [sent] = data["records"]["consult_requests_you_sent"]
        assert sent["anonymous"] is True and sent["circle"] == "Tuesday circle"
        assert "seal" not in r.file.data.decode()
