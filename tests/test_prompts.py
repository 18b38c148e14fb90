"""Prompts: the shipped library, posting without repeats, a circle's own prompts."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

from bot.core.prompts import KINDS, MODULES, load_library
from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
CH = "#circle-tuesday-circle"


def test_library_is_complete() -> None:
    lib = load_library()
    assert len(lib) >= 60
    assert len({p.key for p in lib}) == len(lib)
    kinds = Counter(p.kind for p in lib)
    assert set(kinds) == set(KINDS) and min(kinds.values()) >= 8
    assert all(p.module in MODULES and 1 <= p.minutes <= 60 and p.text for p in lib)


def posted(h: Harness) -> list[str]:
    return [m.text for ch, m in h.port.messages.values() if ch == CH and "Prompt (" in m.text]


async def test_no_repeat_until_kind_exhausted(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        n = sum(1 for p in load_library() if p.kind == "closing")
        for _ in range(n):
            r = await h.run("lee", "/circle prompt post closing")
            assert "Posted" in r.text
        texts = posted(h)
        assert len(texts) == n and len(set(texts)) == n  # every closing prompt once
        await h.run("lee", "/circle prompt post closing")
        assert len(set(posted(h))) == n  # the next one repeats only now
        listing = await h.run("lee", "/circle prompt list")
        assert re.search(r"- closing: 0 / \d+", listing.text)


async def test_own_prompts_and_own_text(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        r = await h.run("lee", '/circle prompt add play "Name a sound that makes you smile."')
        assert "Added a play prompt" in r.text
        listing = await h.run("lee", "/circle prompt list play")
        assert "this circle's own" in listing.text and "makes you smile" in listing.text
        await h.run("lee", '/circle prompt post "Bring one object that comforts you."')
        assert any("Prompt: Bring one object" in m.text for _, m in h.port.messages.values())
        r = await h.run("lee", "/circle prompt add")
        assert "needs kind" in r.text
