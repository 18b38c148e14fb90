"""The calendar file parses back (icalendar) to the same meetings the bot announces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tests.harness import Harness

LA = ZoneInfo("America/Los_Angeles")


async def test_calendar_has_rrule_exdate_override_vtimezone_location_description(
    db_url: str,
) -> None:
    async with Harness(db_url, datetime(2026, 3, 2, 17, 0, tzinfo=UTC)) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        await h.run("lee", "/circle add @ana")
        await h.run(
            "lee",
            "/circle schedule set day:tuesday time:19:00 every_weeks:2 start:2026-03-03 "
            'timezone:America/Los_Angeles duration:120 where:"Library, room 2"',
        )
        await h.run("lee", "/circle schedule skip 2026-03-17")
        await h.run("lee", "/circle schedule move 2026-03-31 to:2026-04-01 time:18:30")
        reply = await h.run("ana", "/circle calendar")

    assert reply.private and reply.file is not None
    assert reply.file.filename.endswith(".ics") and reply.file.mime == "text/calendar"
    cal = Calendar.from_ical(reply.file.data)
    zones = [c for c in cal.walk("VTIMEZONE")]
    assert [str(z["TZID"]) for z in zones] == ["America/Los_Angeles"]
    events = cal.walk("VEVENT")
    main = next(e for e in events if "RRULE" in e)
    assert main.decoded("DTSTART") == datetime(2026, 3, 3, 19, 0, tzinfo=LA)
    assert main["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert main.decoded("DURATION") == timedelta(minutes=120)
    rrule = main["RRULE"]
    assert rrule["FREQ"] == ["WEEKLY"] and rrule["INTERVAL"] == [2] and rrule["BYDAY"] == ["TU"]
    assert str(main["LOCATION"]) == "Library, room 2"
    assert "Tuesday circle" in str(main["DESCRIPTION"])
    exdates = [d.dt for d in main["EXDATE"].dts]
    assert exdates == [datetime(2026, 3, 17, 19, 0, tzinfo=LA)]
    # The moved meeting: same UID, RECURRENCE-ID names the original start.
    (override,) = [e for e in events if "RECURRENCE-ID" in e]
    assert str(override["UID"]) == str(main["UID"])
    assert override.decoded("RECURRENCE-ID") == datetime(2026, 3, 31, 19, 0, tzinfo=LA)
    assert override.decoded("DTSTART") == datetime(2026, 4, 1, 18, 30, tzinfo=LA)
    # The first meeting is 19:00 PST = 03:00 UTC: the same instant the bot reminds about.
    assert main.decoded("DTSTART").astimezone(UTC) == datetime(2026, 3, 4, 3, 0, tzinfo=UTC)


async def test_calendar_without_a_schedule_says_how_to_set_one(db_url: str) -> None:
    async with Harness(db_url, datetime(2026, 3, 2, 17, 0, tzinfo=UTC)) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        r = await h.run("lee", "/circle calendar")
        assert r.file is None
        assert "/circle schedule set day:tuesday time:19:00" in r.text
