from datetime import UTC, datetime

from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


async def test_create_add_agree(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        r = await h.run("organizer", '/circle create "Tuesday circle" leader:@lee mentor:@maya')
        assert "Created" in r.text
        await h.run("lee", "/circle add @ana")
        assert h.access("#circle-tuesday-circle", "ana") == "view"
        await h.run("ana", "/circle rules agree")
        assert h.access("#circle-tuesday-circle", "ana") == "post"
