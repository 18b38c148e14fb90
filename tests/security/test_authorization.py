"""Who may remove whom (issue 9, item 12): a newly promoted leader cannot push out the others."""

from __future__ import annotations

from tests.harness import Harness
from tests.mentor_support import CH, START, make_circle


async def test_a_promoted_leader_cannot_remove_the_leader_or_the_mentor(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h, members=("ana", "ben"))
        r = await h.run("lee", "/circle add @ana role:leader")
        assert "leader" in r.text
        r = await h.run("ana", "/circle remove @lee")
        assert "Only an organizer can remove a leader" in r.text
        r = await h.run("ana", "/circle remove @maya")
        assert "Only an organizer can remove the mentor" in r.text
        assert h.access(CH, "lee") != "none" and h.access(CH, "maya") == "manage"
        r = await h.run("ana", "/circle remove @ben")  # members, yes
        assert "Removed @ben" in r.text
        r = await h.run("organizer", '/circle remove @lee circle:"Tuesday circle"')
        assert "Removed @lee" in r.text
        assert h.access(CH, "lee") == "none"
