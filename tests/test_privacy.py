"""Privacy: export everything about a person; forget-me leaves no row naming them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from storage.models import PERSON_COLUMNS, Base
from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
CH = "#circle-tuesday-circle"


async def rows_naming(h: Harness, person: str) -> list[str]:
    """Every (table, column) whose value is the person, across every column of every table."""
    found = []
    async with h.core.sessions() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).all():
                for column, value in zip(table.columns, row, strict=True):
                    if value == person:
                        found.append(f"{table.name}.{column.name}")
    return found


async def test_export_and_forget_me(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee max_size:3')
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle add @ben")
        await h.run("lee", "/circle add @cara")  # waitlisted
        await h.run("ana", "/circle rules agree")
        await h.run("lee", "/circle add @ana role:leader")
        await h.run("ana", '/circle prompt add art "Draw the weather inside you."')
        await h.run("ana", "/circle prompt post art")

        export = await h.run("ana", "/circle export")
        assert export.file is not None
        data = json.loads(export.file.data)
        assert data["person"] == "ana"
        records = data["records"]
        assert records["your_memberships"][0]["role"] == "leader"
        assert records["your_memberships"][0]["circle"] == "Tuesday circle"
        assert records["ground_rules_you_agreed_to"][0]["version"] == 1
        assert len(records["prompts_you_wrote"]) == 1
        assert "lee" not in json.dumps(records)

        assert await rows_naming(h, "ana")
        confirm = await h.run("ana", "/circle forget-me")
        assert confirm.buttons[0].command == "forget-me confirm:yes"
        assert await rows_naming(h, "ana")  # nothing deleted without confirming
        done = await h.run("ana", "/circle forget-me confirm:yes")
        assert "deleted" in done.text
        assert await rows_naming(h, "ana") == []
        assert h.access(CH, "ana") == "none"
        assert h.access(CH, "cara") == "view"  # the freed seat went to the waitlist
        # What others need stays: the prompt ana wrote is still the circle's, without her name.
        listing = await h.run("lee", "/circle prompt list art")
        assert "Draw the weather inside you" in listing.text
        again = await h.run("ana", "/circle export")
        assert again.file is not None and json.loads(again.file.data)["records"] == {}


def test_person_columns_cover_every_user_column() -> None:
    """A new column holding a person must be added to PERSON_COLUMNS (export and forget-me)."""
    listed = {(m.__tablename__, c) for m, c in PERSON_COLUMNS}
    person_like = {
        (t.name, c.name)
        for t in Base.metadata.sorted_tables
        for c in t.columns
        if c.name.endswith(("user_id", "_by", "actor_id", "target_id", "asker_id", "mentor_id"))
        or c.name == "recipient"
    }
    assert person_like <= listed, person_like - listed


async def test_privacy_and_resources_are_private(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        p = await h.run("eve", "/circle privacy")
        assert p.private and "never reads, stores or logs" in p.text
        r = await h.run("eve", "/circle resources")
        assert r.private and "988" in r.text and "741741" in r.text
        assert "not emergency care" in r.text
