"""RSVP, the roster, attendance and the next meeting, driven through the console."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # Monday; meetings Tuesdays 19:00 London


async def setup(h: Harness) -> None:
    await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
    for p in ("ana", "ben", "cara"):
        await h.run("lee", f"/circle add @{p}")
    await h.run("lee", "/circle schedule set day:tuesday time:19:00 timezone:Europe/London")


async def test_rsvp_roster_and_attendance(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await setup(h)
        r = await h.run("ana", "/circle rsvp yes")
        assert "You are coming to the meeting Tue 2026-03-03 19:00 GMT" in r.text
        assert "So far 1 going, 0 not going." in r.text
        r = await h.run("ben", "/circle rsvp no date:2026-03-10")
        assert "not coming to the meeting Tue 2026-03-10 19:00 GMT" in r.text
        r = await h.run("ben", "/circle rsvp yes 2026-03-03")
        assert "So far 2 going" in r.text
        r = await h.run("cara", "/circle rsvp yes date:2026-03-04")
        assert "There is no meeting on 2026-03-04" in r.text
        assert "2026-03-03, 2026-03-10" in r.text

        # Members cannot see the roster or record attendance; leaders can.
        r = await h.run("ana", "/circle attendance")
        assert "Only these people" in r.text
        r = await h.run("lee", "/circle attendance")
        assert r.text.splitlines() == [
            "Roster for the meeting Tue 2026-03-03 19:00 GMT:",
            "Going: @ana, @ben",
            "Not going: nobody",
            "No answer: @lee, @cara",
        ]
        r = await h.run("lee", "/circle attendance present:@ana")
        assert "No meeting has taken place yet" in r.text

        h.clock.advance(START.replace(day=3, hour=19, minute=5) - START)
        r = await h.run("ana", "/circle rsvp no 2026-03-03")
        assert "already started" in r.text
        r = await h.run("lee", "/circle attendance")
        assert "Going: @ana, @ben" in r.text
        (button,) = r.buttons
        assert button.command == "attendance date:2026-03-03 from_rsvps:yes circle:#1"
        r = await h.run("lee", "/circle " + button.command)
        assert (
            r.text == "Recorded 2 of 4 present at the meeting Tue 2026-03-03 19:00 GMT: @ana, @ben."
        )
        r = await h.run("lee", "/circle attendance present:@ana @cara @lee")
        assert "Recorded 3 of 4" in r.text
        r = await h.run("lee", "/circle attendance date:2026-03-03")
        assert "Recorded present: @ana, @cara, @lee" in r.text
        r = await h.run("lee", "/circle attendance present:@gus")
        assert "not in this circle" in r.text


async def test_info_shows_next_meeting_and_notify_choices(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        await h.run("lee", "/circle add @ana")
        r = await h.run("ana", "/circle info")
        assert "Next meeting: none scheduled (/circle schedule set)" in r.text
        await h.run("lee", "/circle schedule set day:tuesday time:19:00 timezone:Europe/London")
        r = await h.run("ana", "/circle info")
        assert "Next meeting: Tue 2026-03-03 19:00 GMT" in r.text
        r = await h.run("ana", "/circle notify channel")
        assert "in the circle's channel" in r.text
        r = await h.run("ana", "/circle notify loud")
        assert "choose one of dm, channel, off" in r.text
        r = await h.run("ana", "/circle schedule skip 2026-03-03")
        assert "Only these people" in r.text
        r = await h.run("lee", "/circle schedule skip 2026-03-03")
        assert "skipped" in r.text
        r = await h.run("ana", "/circle info")
        assert "Next meeting: Tue 2026-03-10 19:00 GMT" in r.text
        r = await h.run("lee", "/circle schedule skip 2026-03-03")
        assert "is skipped. To hold it after all, move it" in r.text
        r = await h.run("lee", "/circle schedule move 2026-03-03 to:2026-03-03")
        assert "moves to Tue 2026-03-03 19:00 GMT" in r.text
        r = await h.run("ana", "/circle schedule show")
        assert "- Tue 2026-03-03 19:00 GMT\n" in r.text + "\n"
