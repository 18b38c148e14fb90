"""Ground rules: nobody posts before agreeing; editing asks everyone to agree again."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
CH = "#circle-tuesday-circle"


async def test_agree_then_reagree_after_edit(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle add @ben")
        assert h.access(CH, "ana") == "view"
        shown = await h.run("ana", "/circle rules show")
        assert "version 1" in shown.text and "not agreed" in shown.text
        assert shown.buttons and shown.buttons[0].command == "rules agree version:1 circle:#1"
        await h.run("ana", "/circle rules agree version:1")
        await h.run("ben", "/circle rules agree")
        await h.run("lee", "/circle rules agree")
        assert (h.access(CH, "ana"), h.access(CH, "ben"), h.access(CH, "lee")) == (
            "post",
            "post",
            "manage",
        )
        r = await h.run("lee", '/circle rules edit text:"1. Be gentle. 2. You can pass."')
        assert "version 2" in r.text
        # Everyone but the author is back to read-only until they agree again.
        assert (h.access(CH, "ana"), h.access(CH, "ben"), h.access(CH, "lee")) == (
            "view",
            "view",
            "manage",
        )
        assert h.port.pins[CH][-1] in h.port.messages
        stale = await h.run("ana", "/circle rules agree version:1")
        assert "have changed" in stale.text and h.access(CH, "ana") == "view"
        await h.run("ana", "/circle rules agree version:2")
        assert h.access(CH, "ana") == "post"
        shown = await h.run("ana", "/circle rules show")
        assert "Be gentle" in shown.text and "You agreed" in shown.text


async def test_edit_without_text_offers_a_form(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        r = await h.run("lee", "/circle rules edit")
        assert r.form is not None and r.form.command == "rules edit"
        assert "What is shared in the circle stays" in r.form.fields[0].value
        assert len(h.port.pins[CH]) == 1  # nothing new posted
