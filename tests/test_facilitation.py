"""Issue 10: notices (nobody is changed silently), the missing controls (pause, unskip,
reminders show/off, mentor assign, handover, decline, transfer, archive), the reconvening as a
real meeting, fewer channel posts, and the time-zone question."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core import calendar, schedules
from storage.models import Circle, Delivery, DeliveryStatus, Membership, Rsvp, Status
from tests.harness import Harness
from tests.mentor_support import CH, START, circle_id, dms_to, make_circle, posts_in
from tests.test_privacy import rows_naming


async def _weekly(h: Harness, *members: str) -> None:
    """Tuesday circle in UTC meeting Tuesdays 19:00, Lee leading, Maya mentoring."""
    await make_circle(h, members=members)
    r = await h.run("lee", "/circle schedule set day:tuesday time:19:00")
    assert "now meets every Tuesday" in r.text, r.text


# -- item 6: notices -------------------------------------------------------------------------------


async def test_nobody_is_changed_silently(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        r = await h.run(
            "organizer", '/circle create "Tuesday circle" leader:@lee mentor:@maya max_size:2'
        )
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle add @ben")  # full: waits
        assert "waitlist (place 1)" in dms_to(h, "ben")[-1].text
        await h.run("lee", "/circle add @cara")
        assert "waitlist (place 2)" in dms_to(h, "cara")[-1].text
        # A waiting person's commands say where they stand instead of "Which circle?".
        r = await h.run("cara", "/circle schedule show")
        assert r.text.startswith("You are on the waitlist of Tuesday circle (place 2).")
        r = await h.run("cara", '/circle info circle:"Tuesday circle"')
        assert r.text.startswith("You are on the waitlist of Tuesday circle (place 2).")
        await h.run("dev", '/circle join "Tuesday circle"')
        r = await h.run("dev", "/circle rsvp yes")
        assert r.text.startswith("You asked to join Tuesday circle; a leader will answer soon.")
        r = await h.run("dev", "/circle leave")  # withdraws the request
        assert r.text.startswith("You have left Tuesday circle.")
        r = await h.run("dev", "/circle rsvp yes")
        assert r.text.startswith("Which circle?")
        # Role changes are told.
        await h.run("lee", "/circle add @ana role:leader")
        assert dms_to(h, "ana")[-1].text.startswith("You are now a leader of Tuesday circle")
        # The removed person gets a kind word; a leader hears when someone leaves.
        await h.run("organizer", '/circle remove @ana circle:"Tuesday circle"')
        assert dms_to(h, "ana")[-1].text.startswith("You are no longer part of Tuesday circle")
        assert any(m.text.startswith("A seat opened in Tuesday circle") for m in dms_to(h, "ben"))
        await h.run("ben", "/circle leave")
        assert dms_to(h, "lee")[-1].text == "@ben has left Tuesday circle."
        # After a rules edit each member who must agree again gets the rules and the button.
        await h.run("cara", "/circle rules agree")
        await h.run("lee", '/circle rules edit text:"1. Be gentle."')
        dm = dms_to(h, "cara")[-1]
        assert dm.text.startswith("The ground rules of Tuesday circle have changed (version 2).")
        assert "1. Be gentle." in dm.text
        assert dm.buttons[0].command == "rules agree version:2 circle:#1"
        assert not any("have changed" in m.text for m in dms_to(h, "lee"))  # the author


async def test_decline_a_join_request(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("dev", '/circle join "Tuesday circle"')
        ask = dms_to(h, "lee")[-1]
        assert [b.command for b in ask.buttons] == [
            "add @dev circle:#1",
            "manage decline @dev circle:#1",
        ]
        r = await h.run("lee", "/circle " + ask.buttons[1].command)
        assert r.text == "Declined @dev's request to join Tuesday circle; they have been told."
        assert dms_to(h, "dev")[-1].text.startswith(
            "Your request to join Tuesday circle was not accepted this time."
        )
        r = await h.run("lee", "/circle manage decline @dev")
        assert "has not asked to join" in r.text
        r = await h.run("dev", '/circle join "Tuesday circle"')  # may ask again later
        assert "was sent to its leaders" in r.text


# -- item 7: pause, unskip, reminders show / off ---------------------------------------------------


async def test_pause_over_a_holiday_and_resume(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await _weekly(h, "ana")
        await h.run("ana", "/circle notify channel")
        r = await h.run("lee", '/circle schedule pause until:2026-03-24 reason:"spring break"')
        assert r.text.startswith("Tuesday circle is paused until 2026-03-24: 3 meeting(s) skipped")
        assert posts_in(h)[-1].text.startswith("Tuesday circle takes a break (spring break)")
        assert "takes a break" in dms_to(h, "maya")[-1].text  # reminders by DM: told by DM
        r = await h.run("ana", "/circle schedule show")
        assert "Paused: no meetings before 2026-03-24" in r.text
        assert "- Tue 2026-03-24 19:00 UTC" in r.text.splitlines()
        r = await h.run("maya", "/circle mentor status")
        assert "  Paused until 2026-03-24" in r.text
        # No reminders at all during the pause (three weeks); the one after it goes out.
        h.clock.set(datetime(2026, 3, 23, 18, 59, tzinfo=UTC))
        await h.core.tick()
        assert not any("Reminder:" in m.text for m in posts_in(h))
        r = await h.run("maya", "/circle mentor status")
        assert "no meeting for 3 weeks" not in r.text  # a pause is not a quiet circle
        h.clock.set(datetime(2026, 3, 23, 19, 0, tzinfo=UTC))
        await h.core.tick()
        assert "Reminder: Tuesday circle meets Tue 2026-03-24 19:00 UTC" in posts_in(h)[-1].text


async def test_resume_early_and_unskip(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await _weekly(h, "ana")
        await h.run("lee", "/circle schedule pause until:2026-04-01")
        r = await h.run("lee", "/circle schedule unskip date:2026-03-10")
        assert (
            r.text
            == "The meeting of Tuesday circle on Tue 2026-03-10 19:00 UTC takes place after all."
        )
        r = await h.run("lee", "/circle schedule unskip date:2026-03-10")
        assert "is not skipped" in r.text
        r = await h.run("lee", "/circle schedule resume")
        assert r.text == (
            "Tuesday circle is no longer paused. The next meeting is Tue 2026-03-03 19:00 UTC."
        )
        r = await h.run("ana", "/circle schedule show")
        assert "Skipped" not in r.text and "Paused" not in r.text
        r = await h.run("lee", "/circle schedule resume")
        assert r.text == "Tuesday circle is not paused."
        # A plain skip stays a skip when a pause ends.
        await h.run("lee", "/circle schedule skip date:2026-03-17")
        await h.run("lee", "/circle schedule pause until:2026-03-15")
        await h.run("lee", "/circle schedule resume")
        r = await h.run("ana", "/circle schedule show")
        assert "Skipped: Tue 2026-03-17 19:00 UTC" in r.text


async def test_reminders_show_and_off(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await _weekly(h, "ana")
        r = await h.run("ana", "/circle reminders show")
        assert r.text.splitlines() == [
            "Reminders for Tuesday circle go out 1d, 1h before each meeting.",
            "You get them as direct messages.",
            "For the meeting Tue 2026-03-03 19:00 UTC: Mon 2026-03-02 19:00 UTC, "
            "Tue 2026-03-03 18:00 UTC.",
        ]
        await h.run("ana", "/circle notify off date:2026-03-03")
        r = await h.run("ana", "/circle reminders show")
        assert "You asked for no reminders for the meeting Tue 2026-03-03 19:00 UTC." in r.text
        r = await h.run("lee", "/circle reminders set off")
        assert r.text.startswith("Reminders for Tuesday circle are off")
        h.clock.advance(timedelta(days=3))
        await h.core.tick()
        async with h.core.sessions() as s:
            kinds = {d.kind for d in (await s.execute(select(Delivery))).scalars()}
            pending = [
                d
                for d in (await s.execute(select(Delivery))).scalars()
                if d.status == DeliveryStatus.PENDING and d.kind.startswith("reminder")
            ]
        assert pending == [] and kinds  # rows that were there are cancelled, no new ones
        assert not any("Reminder:" in m.text for _w, m in h.port.messages.values())
        r = await h.run("ana", "/circle reminders show")
        assert r.text.startswith("Reminders for Tuesday circle are off.")


# -- item 8: mentor assign, handover, transfer, archive --------------------------------------------


async def test_mentor_assign_and_change(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        r = await h.run("lee", "/circle mentor assign @maya")
        assert "Only these people" in r.text
        r = await h.run("organizer", '/circle mentor assign @maya circle:"Tuesday circle"')
        assert r.text == "@maya is now the mentor of Tuesday circle."
        assert dms_to(h, "maya")[-1].text.startswith("You are now the mentor of Tuesday circle")
        assert posts_in(h)[-1].text == (
            "@maya is now the mentor of Tuesday circle and sits in on its meetings."
        )
        assert h.access(CH, "maya") == "manage"
        r = await h.run("organizer", '/circle mentor assign @lee circle:"Tuesday circle"')
        assert "holds a seat" in r.text
        r = await h.run("organizer", '/circle mentor assign @gus circle:"Tuesday circle"')
        assert r.text.endswith("@maya is no longer its mentor and has been told.")
        assert dms_to(h, "maya")[-1].text.startswith("@gus is now the mentor of Tuesday circle")
        assert h.access(CH, "maya") == "none" and h.access(CH, "gus") == "manage"
        r = await h.run("gus", "/circle mentor status")
        assert r.text.startswith("Tuesday circle")
        r = await h.run("maya", "/circle mentor status")
        assert "acts on a circle you are part of" in r.text


async def test_leader_handover_with_notice(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h, members=("ana",))
        r = await h.run("lee", "/circle manage handover @ana")
        assert r.text == "@ana now leads Tuesday circle instead of @lee; both have been told."
        assert dms_to(h, "ana")[-1].text.startswith("You are now a leader of Tuesday circle")
        assert posts_in(h)[-1].text == (
            "@ana now leads Tuesday circle, taking over from @lee. Thank you, @lee."
        )
        r = await h.run("lee", "/circle schedule set day:monday time:18:00")
        assert "Only these people" in r.text
        r = await h.run("organizer", "/circle manage handover @lee from:@ana")
        assert r.text.startswith("@lee now leads")
        assert dms_to(h, "ana")[-1].text.startswith("You are now a member of Tuesday circle")
        r = await h.run("lee", "/circle manage handover @maya")
        assert "is not a member of Tuesday circle" in r.text


async def test_transfer_keeps_the_records(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await _weekly(h, "ana", "ben")
        await h.run("organizer", '/circle create "Friday circle" leader:@eve')
        await h.run("ana", '/circle rsvp yes circle:"Tuesday circle"')
        r = await h.run(
            "organizer", '/circle manage transfer @ana to:"Friday circle" circle:"Tuesday circle"'
        )
        assert r.text == (
            "Moved @ana from Tuesday circle to Friday circle; they have been welcomed there."
        )
        assert any(m.text.startswith("Welcome to Friday circle") for m in dms_to(h, "ana"))
        assert dms_to(h, "ana")[-1].text == "You have moved from Tuesday circle to Friday circle."
        assert dms_to(h, "lee")[-1].text == "@ana moved from Tuesday circle to another circle."
        async with h.core.sessions() as s:
            rows = {
                (m.circle_id, m.status)
                for m in (await s.execute(select(Membership))).scalars()
                if m.user_id == "ana"
            }
            assert rows == {(1, Status.LEFT), (2, Status.ACTIVE)}
            assert (await s.execute(select(Rsvp))).scalars().one().user_id == "ana"


async def test_archive_keeps_figures_and_forget_me_still_works(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await _weekly(h, "ana")
        r = await h.run("organizer", '/circle manage archive circle:"Tuesday circle"')
        assert r.text.startswith("Tuesday circle is archived")
        assert "channel archived" in "\n".join(h.out)
        assert h.access(CH, "ana") == "view" and h.access(CH, "lee") == "view"
        r = await h.run("lee", "/circle schedule set day:monday time:18:00")
        assert r.text.startswith("Tuesday circle is archived")
        r = await h.run("ana", "/circle rsvp yes")
        assert r.text.startswith("Tuesday circle is archived")
        h.clock.advance(timedelta(days=2))
        await h.core.tick()
        assert not any("Reminder:" in m.text for _w, m in h.port.messages.values())
        h.clock.advance(timedelta(weeks=4))
        r = await h.run("maya", "/circle mentor status")
        assert "  Members: 2/7, waitlist 0" in r.text
        assert "  Archived on 2026-03-02" in r.text and "  Flags: none" in r.text
        r = await h.run("ana", "/circle info")
        assert "Archived: the records stay; nothing new is scheduled." in r.text
        r = await h.run("ana", "/circle forget-me confirm:yes")
        assert "deleted" in r.text
        assert await rows_naming(h, "ana") == []


async def test_new_rows_that_name_a_person_are_exported_and_forgotten(db_url: str) -> None:
    """A reminder mute and a maybe are the person's data: in the export, gone after forget-me."""
    async with Harness(db_url, START) as h:
        await _weekly(h, "ana")
        await h.run("ana", "/circle rsvp maybe")
        await h.run("ana", "/circle notify off date:2026-03-10")
        export = await h.run("ana", "/circle export")
        assert export.file is not None
        records = json.loads(export.file.data)["records"]
        assert records["meetings_you_wanted_no_reminders_for"] == [
            {"circle": "Tuesday circle", "occurrence": "2026-03-10T19:00:00+00:00"}
        ]
        assert records["your_rsvps"][0]["maybe"] is True
        await h.run("ana", "/circle forget-me confirm:yes")
        assert await rows_naming(h, "ana") == []


# -- item 9: the reconvening -----------------------------------------------------------------------


async def test_the_reconvening_is_a_meeting_on_the_schedule(db_url: str) -> None:
    """A Tuesday 19:00 Los Angeles circle graduates; four months on, the reconvening is its
    first Tuesday meeting from then, at 19:00 local, with reminders, RSVP and an .ics entry."""
    async with Harness(db_url, START) as h:
        await h.run(
            "organizer",
            '/circle create "Tuesday circle" leader:@lee mentor:@maya timezone:America/Los_Angeles',
        )
        await h.run("lee", "/circle add @ana")
        # The schedule ends in May: the reconvening in July is a meeting of its own.
        await h.run(
            "lee", '/circle schedule set rrule:"FREQ=WEEKLY;BYDAY=TU;UNTIL=20260526" time:19:00'
        )
        r = await h.run("maya", "/circle mentor stage set graduated")
        assert "reconvening is planned 4 months from now" in r.text
        note = posts_in(h)[-1].text
        assert "reconvene on Tue 2026-07-07 19:00 PDT" in note  # not a Saturday at 04:00 UTC
        r = await h.run("ana", "/circle schedule show")
        assert "Reconvening: Tue 2026-07-07 19:00 PDT" in r.text
        r = await h.run("ana", "/circle info")
        assert "Reconvening: Tue 2026-07-07 19:00 PDT" in r.text
        async with h.core.sessions() as s:
            circle = await s.get(Circle, await circle_id(h))
            assert circle is not None
            loaded = await schedules.need(s, circle)
            ics = calendar.build(circle, loaded, h.clock.now()).decode()
        assert "SUMMARY:Tuesday circle: reconvening" in ics
        assert "DTSTART;TZID=America/Los_Angeles:20260707T190000" in ics
        h.clock.set(datetime(2026, 7, 7, 2, 0, tzinfo=UTC))  # 24 h before
        await h.core.tick()
        reminder = [m for m in dms_to(h, "ana") if m.text.startswith("Reminder:")][-1]
        lines = reminder.text.splitlines()
        assert lines[0] == (
            "Reminder: Tuesday circle meets Tue 2026-07-07 19:00 PDT (starts in 1 day)."
        )
        assert "This is the reconvening: the circle meets to look back together." in lines[:4]
        r = await h.run("ana", "/circle rsvp yes")
        assert "You are coming to the meeting Tue 2026-07-07 19:00 PDT" in r.text
        # Going back from graduation takes it off the schedule again.
        await h.run("maya", "/circle mentor stage set on_call")
        r = await h.run("ana", "/circle schedule show")
        assert "Reconvening" not in r.text


# -- item 5: fewer channel posts -------------------------------------------------------------------


async def test_a_schedule_correction_posts_one_line(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await _weekly(h, "ana")
        first = posts_in(h)[-1].text
        assert first.splitlines()[1] == "Next meetings:"
        before = len(posts_in(h))
        await h.run("lee", "/circle schedule set day:tuesday time:19:00")  # the same again
        assert len(posts_in(h)) == before
        await h.run("lee", "/circle schedule set day:tuesday time:18:30")
        assert len(posts_in(h)) == before + 1
        assert posts_in(h)[-1].text == (
            "Schedule change: Tuesday circle now meets every Tuesday at 18:30 (UTC), 90 minutes. "
            "Next meeting: Tue 2026-03-03 18:30 UTC."
        )


# -- item 10: the time-zone question ---------------------------------------------------------------


async def test_create_asks_for_a_zone_when_none_is_configured(db_url: str) -> None:
    async with Harness(db_url, START, circles={}) as h:
        r = await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        assert r.text.startswith('Which time zone does "Tuesday circle" meet in?')
        assert r.form is not None and r.form.command == "create"
        assert r.form.fixed == {"name": "Tuesday circle", "leader": "@lee"}
        (field,) = r.form.fields
        assert field.name == "timezone" and "America/Los_Angeles" in field.choices
        assert CH not in h.port.channels  # nothing created
        r = await h.run(
            "organizer", '/circle create "Tuesday circle" leader:@lee timezone:America/Chicago'
        )
        assert r.text.startswith("Created the circle")
        r = await h.run("lee", "/circle info")
        assert "Time zone: America/Chicago" in r.text


async def test_a_configured_default_zone_is_used_without_asking(db_url: str) -> None:
    async with Harness(db_url, START) as h:  # the harness configures timezone = "UTC"
        r = await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        assert r.text.startswith("Created the circle")
        r = await h.run("lee", "/circle info")
        assert "Time zone: UTC" in r.text


async def test_a_spanish_circle_hears_the_new_notices_in_spanish(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Círculo martes" leader:@lee language:es')
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle schedule set day:tuesday time:19:00 timezone:Europe/Madrid")
        await h.run("ana", "/circle rsvp yes")
        h.clock.advance(timedelta(hours=1))  # the 24 h reminder of Tuesday 19:00 CET
        await h.core.tick()
        dm = [m for w, m in h.port.messages.values() if w == "DM ana"][-1]
        assert "Dijiste que vas a venir." in dm.text
        assert [b.label for b in dm.buttons] == [
            "Al final no puedo ir",
            "Sin recordatorios para esta reunión",
        ]
        r = await h.run("lee", "/circle schedule pause until:2026-03-20")
        assert r.text.startswith("Círculo martes está en pausa hasta el 2026-03-20")


async def test_a_reconvening_on_a_continuing_schedule_is_that_weeks_meeting(db_url: str) -> None:
    """When the circle still meets weekly, the reconvening is its first meeting four months
    on: the same occurrence (RSVPs and reminders as usual), named the reconvening."""
    async with Harness(db_url, START) as h:
        await _weekly(h, "ana")
        await h.run("maya", "/circle mentor stage set graduated")
        assert "reconvene on Tue 2026-07-07 19:00 UTC" in posts_in(h)[-1].text
        r = await h.run("ana", "/circle schedule show")
        assert "Reconvening: Tue 2026-07-07 19:00 UTC" in r.text
        async with h.core.sessions() as s:
            circle = await s.get(Circle, await circle_id(h))
            assert circle is not None
            assert circle.reconvene_at == datetime(2026, 7, 7, 19, 0, tzinfo=UTC)
            loaded = await schedules.need(s, circle)
            assert loaded.exceptions == {}  # a regular meeting: nothing added to the schedule
            ics = calendar.build(circle, loaded, h.clock.now()).decode()
        assert "SUMMARY:Tuesday circle: reconvening" in ics
        assert "RECURRENCE-ID:20260707T190000Z" in ics  # renames that week's occurrence
        r = await h.run("ana", "/circle rsvp yes date:2026-07-07")
        assert "You are coming to the meeting Tue 2026-07-07 19:00 UTC" in r.text
