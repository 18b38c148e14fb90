"""Meetings keep their local wall-clock time across daylight-saving changes: known UTC answers.

Every case is every other week, across both transitions of 2026, in four zones, the last with
Lord Howe Island's 30-minute shift. The expected instants are worked out by hand from each zone's
rules (offsets in the comments), not computed by the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.schedules import Rule, occurrences, to_utc
from tests.harness import Harness


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def rule(rrule: str, zone: str, first: datetime) -> Rule:
    return Rule(rrule, ZoneInfo(zone), first, timedelta(minutes=90))


def starts(r: Rule, lo: datetime, hi: datetime) -> list[datetime]:
    return [o.start for o in occurrences(r, {}, lo, hi)]


CASES = [
    # America/Los_Angeles, Tuesdays 19:00 from 2026-02-24. PST -8 until 2026-03-08, PDT -7
    # until 2026-11-01.
    (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        "America/Los_Angeles",
        datetime(2026, 2, 24, 19, 0),  # noqa: DTZ001
        (z(2026, 2, 20), z(2026, 3, 26)),
        [z(2026, 2, 25, 3), z(2026, 3, 11, 2), z(2026, 3, 25, 2)],
    ),
    (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        "America/Los_Angeles",
        datetime(2026, 2, 24, 19, 0),  # noqa: DTZ001
        (z(2026, 10, 15), z(2026, 11, 20)),
        [z(2026, 10, 21, 2), z(2026, 11, 4, 3), z(2026, 11, 18, 3)],
    ),
    # Europe/London, Thursdays 18:30 from 2026-03-19. GMT +0 until 2026-03-29, BST +1 until
    # 2026-10-25.
    (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        "Europe/London",
        datetime(2026, 3, 19, 18, 30),  # noqa: DTZ001
        (z(2026, 3, 1), z(2026, 4, 17)),
        [z(2026, 3, 19, 18, 30), z(2026, 4, 2, 17, 30), z(2026, 4, 16, 17, 30)],
    ),
    (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        "Europe/London",
        datetime(2026, 3, 19, 18, 30),  # noqa: DTZ001
        (z(2026, 10, 10), z(2026, 11, 13)),
        [z(2026, 10, 15, 17, 30), z(2026, 10, 29, 18, 30), z(2026, 11, 12, 18, 30)],
    ),
    # Australia/Sydney, Mondays 10:00 from 2026-03-30. AEDT +11 until 2026-04-05, AEST +10 until
    # 2026-10-04, then AEDT again.
    (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
        "Australia/Sydney",
        datetime(2026, 3, 30, 10, 0),  # noqa: DTZ001
        (z(2026, 3, 20), z(2026, 4, 20)),
        [z(2026, 3, 29, 23), z(2026, 4, 13, 0)],
    ),
    (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
        "Australia/Sydney",
        datetime(2026, 3, 30, 10, 0),  # noqa: DTZ001
        (z(2026, 9, 20), z(2026, 10, 20)),
        [z(2026, 9, 28, 0), z(2026, 10, 11, 23)],
    ),
    # Australia/Lord_Howe, Sundays 09:00 from 2026-03-29. +11 until 2026-04-05 02:00, then
    # +10:30 until 2026-10-04 02:00, then +11: a 30-minute shift.
    (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU",
        "Australia/Lord_Howe",
        datetime(2026, 3, 29, 9, 0),  # noqa: DTZ001
        (z(2026, 3, 20), z(2026, 4, 20)),
        [z(2026, 3, 28, 22), z(2026, 4, 11, 22, 30)],
    ),
    (
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU",
        "Australia/Lord_Howe",
        datetime(2026, 3, 29, 9, 0),  # noqa: DTZ001
        (z(2026, 9, 20), z(2026, 10, 20)),
        [z(2026, 9, 26, 22, 30), z(2026, 10, 10, 22)],
    ),
]


@pytest.mark.parametrize(("rrule", "zone", "first", "window", "expected"), CASES)
def test_every_other_week_keeps_local_time_across_transitions(
    rrule: str,
    zone: str,
    first: datetime,
    window: tuple[datetime, datetime],
    expected: list[datetime],
) -> None:
    found = starts(rule(rrule, zone, first), *window)
    assert found == expected
    local = {s.astimezone(ZoneInfo(zone)).strftime("%H:%M") for s in found}
    assert local == {first.strftime("%H:%M")}


def test_time_in_the_spring_forward_gap_shifts_forward_by_the_gap() -> None:
    # Los Angeles: 02:30 does not exist on 2026-03-08 (02:00 PST → 03:00 PDT): 03:30 PDT.
    la = rule("FREQ=WEEKLY", "America/Los_Angeles", datetime(2026, 3, 1, 2, 30))  # noqa: DTZ001
    assert starts(la, z(2026, 3, 1), z(2026, 3, 16)) == [
        z(2026, 3, 1, 10, 30),  # 02:30 PST
        z(2026, 3, 8, 10, 30),  # 03:30 PDT, one hour after 01:30 PST
        z(2026, 3, 15, 9, 30),  # 02:30 PDT: the wall clock is kept again
    ]
    # Lord Howe: 02:15 does not exist on 2026-10-04 (02:00 → 02:30): 02:45 (+11).
    lh = ZoneInfo("Australia/Lord_Howe")
    assert to_utc(datetime(2026, 10, 4, 2, 15), lh) == z(2026, 10, 3, 15, 45)  # noqa: DTZ001


def test_time_that_occurs_twice_means_the_first_one() -> None:
    # Los Angeles: 01:30 happens twice on 2026-11-01; the meeting is at the first (PDT).
    la = rule("FREQ=WEEKLY", "America/Los_Angeles", datetime(2026, 10, 25, 1, 30))  # noqa: DTZ001
    assert starts(la, z(2026, 10, 20), z(2026, 11, 10)) == [
        z(2026, 10, 25, 8, 30),  # PDT
        z(2026, 11, 1, 8, 30),  # the first 01:30, still PDT
        z(2026, 11, 8, 9, 30),  # PST
    ]
    # Lord Howe: 01:45 happens twice on 2026-04-05 (02:00 → 01:30); the first is +11.
    lh = ZoneInfo("Australia/Lord_Howe")
    assert to_utc(datetime(2026, 4, 5, 1, 45), lh) == z(2026, 4, 4, 14, 45)  # noqa: DTZ001


def test_skips_and_moves_change_occurrences_but_keep_their_identity() -> None:
    r = rule("FREQ=WEEKLY;BYDAY=TU", "Europe/London", datetime(2026, 5, 5, 19, 0))  # noqa: DTZ001
    skipped, moved_from, moved_to = z(2026, 5, 12, 18), z(2026, 5, 19, 18), z(2026, 5, 20, 17)
    found = occurrences(r, {skipped: None, moved_from: moved_to}, z(2026, 5, 1), z(2026, 5, 27))
    assert [(o.key, o.start) for o in found] == [
        (z(2026, 5, 5, 18), z(2026, 5, 5, 18)),
        (moved_from, moved_to),
        (z(2026, 5, 26, 18), z(2026, 5, 26, 18)),
    ]


async def test_console_shows_the_shifted_time_of_a_gap_meeting(db_url: str) -> None:
    async with Harness(db_url, z(2026, 3, 2, 17)) as h:
        await h.run("organizer", '/circle create "Night owls" leader:@lee')
        r = await h.run(
            "lee",
            "/circle schedule set day:sunday time:02:30 start:2026-03-08 "
            "timezone:America/Los_Angeles",
        )
        assert "every Sunday at 02:30 (America/Los_Angeles)" in r.text
        shown = (await h.run("lee", "/circle schedule show")).text
        assert "Sun 2026-03-08 03:30 PDT" in shown  # the gap: 02:30 does not exist that night
        assert "Sun 2026-03-15 02:30 PDT" in shown


async def test_bad_schedule_input_says_what_to_type_and_writes_nothing(db_url: str) -> None:
    async with Harness(db_url, z(2026, 3, 2, 17)) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        for line, hint in [
            ("/circle schedule set day:funday time:19:00", "is not one of monday"),
            ("/circle schedule set day:tuesday time:25:00", "HH:MM"),
            ("/circle schedule set time:19:00", "day:tuesday time:19:00"),
            ("/circle schedule set day:tuesday time:19:00 timezone:Mars/Base", "IANA"),
            ('/circle schedule set rrule:"FREQ=HOURLY" time:19:00', "at most daily"),
            ('/circle schedule set rrule:"FREQ=WEEKLY;BYDAY=XX" time:19:00', "RRULE"),
        ]:
            r = await h.run("lee", line)
            assert hint in r.text, (line, r.text)
            assert r.private
        r = await h.run("lee", "/circle schedule show")
        assert "no meeting schedule yet" in r.text
        assert "/circle schedule set day:tuesday time:19:00" in r.text
