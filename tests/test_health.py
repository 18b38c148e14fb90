"""Mentor status: the figures of a circle with a known history, and its flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import health
from storage.models import Circle, Schedule
from tests.harness import Harness
from tests.mentor_support import START, add_meetings, circle_id, make_circle

TUE = datetime(2026, 3, 3, 19, 0, tzinfo=UTC)  # the circle meets on Tuesdays at 19:00 UTC


async def known_history(h: Harness) -> None:
    """4 seats of 7 (min 5), 3 agreed, a weekly schedule, six meetings, one open consult."""
    await make_circle(h, members=("ana", "ben", "cara"))
    for person in ("lee", "ana", "ben"):
        await h.run(person, "/circle rules agree")
    cid = await circle_id(h)
    async with h.core.sessions() as s, s.begin():
        s.add(
            Schedule(
                circle_id=cid,
                rrule="FREQ=WEEKLY;BYDAY=TU",
                timezone="UTC",
                first_local="2026-03-03T19:00:00",
                duration_minutes=90,
                updated_at=START,
            )
        )
    week = timedelta(weeks=1)
    await add_meetings(
        h,
        [
            (TUE, 4, 4, "mentor"),
            (TUE + week, 4, 4, "mentor"),
            (TUE + 2 * week, 3, 4, "leader"),
            (TUE + 3 * week, 3, 4, "leader"),  # 03-24: in the last 4 weeks from here on
            (TUE + 4 * week, 2, 4, "mentor"),  # 03-31
            # 04-07 was scheduled but not held
            (TUE + 6 * week, 0, 4, "leader"),  # 04-14
        ],
    )
    await h.run("ana", '/circle consult "a question"')


async def test_status_figures_of_a_known_history(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await known_history(h)
        h.clock.set(datetime(2026, 4, 20, 17, 0, tzinfo=UTC))
        async with h.core.sessions() as s:
            circle = await s.get(Circle, await circle_id(h))
            assert circle is not None
            f = await health.figures(s, circle, h.clock.now())
        assert (f.stage, f.days_in_stage) == ("facilitating", 49)
        assert (f.members, f.waitlist) == (4, 0)
        assert (f.held, f.scheduled) == (3, 4)
        assert f.attendance == 8 / 16  # the last 4 meetings held, as the stage nudge says
        assert f.last_meeting == TUE + timedelta(weeks=6)
        assert f.next_meeting == datetime(2026, 4, 21, 19, 0, tzinfo=UTC)
        assert (f.agreed, f.seated) == (3, 4)
        assert f.open_consults == 1
        assert f.flags == [
            health.Flag.BELOW_MIN,
            health.Flag.RULES_NOT_AGREED,
            health.Flag.CONSULT_WAITING,  # asked on 03-02, unanswered for 49 days
        ]

        r = await h.run("maya", "/circle mentor status")
        lines = r.text.splitlines()
        assert lines == [
            "Tuesday circle",
            "  Stage: facilitating, for 49 days",
            "  Next stage: observing, planned for 2026-04-27",
            "  Members: 4/7, waitlist 0",
            "  Meetings in the last 4 weeks: 3 held of 4 scheduled",
            "  Next meeting: Tue 2026-04-21 19:00 UTC",
            "  Meetings run by leaders in this stage: 3 of 6",
            "  Attendance over the last 4 meetings: 50 %",
            "  Ground rules agreed: 3/4",
            "  Open consult requests: 1",
            "  Flags: below minimum size, not everyone agreed to the current ground rules, "
            "a consult request unanswered for over 3 days",
        ]
        assert "a question" not in r.text


async def test_quiet_overdue_circle_is_flagged(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await known_history(h)
        await h.run("lee", "/circle add @dev")  # 5 seats: no longer below the minimum
        h.clock.set(datetime(2026, 5, 13, 17, 0, tzinfo=UTC))  # 4 weeks after the last meeting
        r = await h.run("maya", "/circle mentor status")
        assert "  Meetings in the last 4 weeks: 0 held of 4 scheduled" in r.text
        assert "  Attendance over the last 4 meetings: 50 %" in r.text
        assert "  Flags: no meeting for 3 weeks, stage overdue" in r.text


async def test_readiness_signals(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await known_history(h)
        h.clock.set(datetime(2026, 4, 20, 17, 0, tzinfo=UTC))
        async with h.core.sessions() as s:
            circle = await s.get(Circle, await circle_id(h))
            assert circle is not None
            r = await health.readiness(s, circle, health.Stage.OBSERVING)
        g = r.signals
        assert (g.leader_run, g.meetings_in_stage) == (3, 6)
        assert g.attendance_last4 == 8 / 16
        assert (g.agreed, g.seated, g.open_consults) == (3, 4, 1)


async def test_the_stage_nudge_and_mentor_status_agree(db_url: str) -> None:
    """Item 2: the DM's readiness lines appear word for word in mentor status, even when no
    meeting fell in the last 4 weeks (the nudge once said 100 % while status said no figures)."""
    async with Harness(db_url, START) as h:
        await make_circle(h, members=("ana",))
        cid = await circle_id(h)
        await add_meetings(h, [(TUE, 3, 3, "leader"), (TUE + timedelta(weeks=1), 3, 3, "leader")])
        h.clock.set(datetime(2026, 5, 1, 17, 0, tzinfo=UTC))  # past observing's planned date
        await h.core.tick()
        nudge = [m.text for where, m in h.port.messages.values() if where == "DM maya"][-1]
        assert nudge.startswith("The observing stage of Tuesday circle was planned")
        r = await h.run("maya", "/circle mentor status")
        readiness = [line for line in nudge.splitlines() if line.startswith("  ")]
        assert readiness == [
            "  Meetings run by leaders in this stage: 2 of 2",
            "  Attendance over the last 4 meetings: 100 %",
            "  Ground rules agreed: 0/2",
            "  Open consult requests: 0",
        ]
        status = r.text.splitlines()
        assert all(line in status for line in readiness)
        assert cid == 1


async def test_flags_for_rules_consults_and_a_waitlist_with_free_seats(db_url: str) -> None:
    """Item 3: members who have not re-agreed after a rules edit, a consult older than 3 days,
    and people waiting while seats are free are each flagged."""
    async with Harness(db_url, START) as h:
        r = await h.run(
            "organizer", '/circle create "Tuesday circle" leader:@lee mentor:@maya max_size:2'
        )
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle add @ben")  # waits: 2 seats taken
        for p in ("lee", "ana"):
            await h.run(p, "/circle rules agree")
        r = await h.run("maya", "/circle mentor status")
        assert "  Flags: none" in r.text
        await h.run("lee", '/circle rules edit text:"1. Be kind."')
        r = await h.run("maya", "/circle mentor status")
        assert "  Ground rules agreed: 1/2" in r.text
        assert "not everyone agreed to the current ground rules" in r.text
        await h.run("ana", '/circle consult "a question"')
        h.clock.advance(timedelta(days=3, hours=1))
        r = await h.run("maya", "/circle mentor status")
        assert "a consult request unanswered for over 3 days" in r.text
        # A seat frees but the waiting person is not moved up (the circle grew its limit).
        async with h.core.sessions() as s, s.begin():
            circle = await s.get(Circle, await circle_id(h))
            assert circle is not None
            circle.max_size = 3
        r = await h.run("maya", "/circle mentor status")
        assert "people waiting while seats are free" in r.text


async def test_who_sees_which_circles(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("organizer", '/circle create "Friday circle" leader:@eve mentor:@maya')
        await h.run("organizer", '/circle create "Sunday circle" leader:@fay mentor:@gus')
        mentor = await h.run("maya", "/circle mentor status")
        names = [line for line in mentor.text.splitlines() if not line.startswith(" ")]
        assert [n for n in names if n] == ["Friday circle", "Tuesday circle"]
        org = await h.run("organizer", "/circle mentor status")
        assert "Sunday circle" in org.text and "Tuesday circle" in org.text
        one = await h.run("maya", '/circle mentor status circle:"Friday circle"')
        assert one.text.startswith("Friday circle") and "Tuesday" not in one.text
        r = await h.run("ana", "/circle mentor status")
        assert "Only these people" in r.text
        r = await h.run("gus", '/circle mentor status circle:"Tuesday circle"')
        assert "Only these people" in r.text
