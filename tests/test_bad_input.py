"""Bad input: a private message that says what to type instead, and nothing written or sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.models import Base
from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


async def snapshot(h: Harness) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    async with h.core.sessions() as s:
        for table in Base.metadata.sorted_tables:
            out[table.name] = sorted(map(tuple, (await s.execute(select(table))).all()), key=repr)
    return out


CASES = [
    ("ana", "/circle dance", 'There is no command "dance"'),
    ("ana", "/circle rulez show", "Did you mean /circle rules?"),
    ("ana", "/circle rules", "/circle rules needs one of: agree, edit, show"),
    ("lee", "/circle add", "/circle add needs member. Usage: /circle add @member"),
    ("lee", "/circle add @ana role:boss", "role: choose one of member, leader."),
    ("lee", "/circle add @zed!", 'I do not know who "@zed!" is'),
    ("lee", '/circle add @ben circle:"No such"', 'There is no circle called "No such"'),
    ("ana", "/circle add @ben", "Only these people can run /circle add"),
    ("ana", "/circle list", "Only these people can run /circle list"),
    ("organizer", '/circle create "Tuesday circle"', 'called "Tuesday circle" already exists'),
    ("organizer", '/circle create "X"', "cannot be a circle name"),
    ("organizer", '/circle create "New one" timezone:Mars/Base', "is not a time zone"),
    ("organizer", '/circle create "New one" min_size:9 max_size:6', "min_size (9) is larger"),
    ("organizer", '/circle create "New one" max_size:many', '"many" is not a whole number'),
    ("lee", "/circle add @ana", "@ana is already in Tuesday circle as member"),
    ("lee", '/circle rules edit text:"unclosed', "A quotation mark is not closed"),
    ("ana", "/circle rules agree version:0", "give a number from 1"),
    ("lee", '/circle prompt add dancing "Hop"', "kind: choose one of art, writing"),
    ("lee", "/circle remove @cara", "@cara is not in Tuesday circle"),
    ("lee", "/circle add @fay", "full and so is its waitlist"),
    ("eve", '/circle join "Tuesday circle" extra', '"extra" does not fit here'),
    ("maya", "/circle add @gus circle:#1", "Only these people can run /circle add"),
]


@pytest.mark.parametrize(("who", "line", "expected"), CASES, ids=[c[1] for c in CASES])
async def test_bad_input_changes_nothing(db_url: str, who: str, line: str, expected: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee max_size:2')
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle add @ben")
        await h.run("lee", "/circle add @dev")
        await h.run("lee", "/circle add @eve")
        before = await snapshot(h)
        h.out.clear()
        reply = await h.run(who, line)
        assert reply.private
        assert expected in reply.text
        assert h.out == []  # nothing posted, no DM, no access change
        assert await snapshot(h) == before
