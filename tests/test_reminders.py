"""Reminders as members see them on the console: on time, where they asked, once, honest when late.

The console's clock moves only with ``:advance``, which runs whatever fell due (the dispatcher
and the materialiser are the console's tick hooks).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import select

from bot.commands.context import Invocation
from bot.port import Message
from bot.scheduling import attach
from storage.models import Delivery
from tests.harness import Harness

CHANNEL = "#circle-tuesday-circle"


@asynccontextmanager
async def circle(
    db_url: str, start: datetime, schedule: str, *people: str
) -> AsyncIterator[Harness]:
    async with Harness(db_url, start) as h:
        attach(h.core)
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        for p in people:
            await h.run("lee", f"/circle add @{p}")
        r = await h.run("lee", f"/circle schedule set {schedule}")
        assert "now meets" in r.text, r.text
        yield h


async def advance(h: Harness, step: str, directive: str = ":advance") -> list[str]:
    """Move the clock and return what was delivered (one line per message, its first line).
    ``:offline`` jumps as if the bot had been down; ``:advance`` runs everything on the way."""
    h.out.clear()
    await h.console.line(f"{directive} {step}")
    return [line.strip() for line in h.out if "] " in line and "[clock]" not in line]


def reminders(lines: list[str]) -> list[str]:
    return [line for line in lines if "Reminder:" in line]


async def test_reminders_arrive_on_time_where_each_member_asked(db_url: str) -> None:
    # Monday 2026-03-02 17:00 UTC; the circle meets Tuesdays 19:00 in London (GMT, UTC+0).
    start = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    async with circle(
        db_url, start, "day:tuesday time:19:00 timezone:Europe/London", "ana", "ben", "cara"
    ) as h:
        await h.run("ben", "/circle notify channel")
        await h.run("cara", "/circle notify off")

        assert reminders(await advance(h, "119m")) == []  # 18:59, one minute early
        sent = reminders(await advance(h, "1m"))  # 19:00: exactly 24 hours before
        assert sorted(sent) == sorted(
            [
                "[DM ana] Reminder: Tuesday circle meets Tue 2026-03-03 19:00 GMT "
                "(starts in 1 day).",
                "[DM lee] Reminder: Tuesday circle meets Tue 2026-03-03 19:00 GMT "
                "(starts in 1 day).",
                f"[{CHANNEL} m{_mid(h)}] Reminder: Tuesday circle meets Tue 2026-03-03 19:00 GMT "
                "(starts in 1 day).",
            ]
        )
        assert not any("cara" in line for line in sent)
        assert reminders(await advance(h, "1m")) == []  # nothing twice

        # Every reminder carries RSVP buttons; pressing one answers for the presser.
        ana_dm = reminder_to(h, "DM ana")
        labels = [b.label for b in ana_dm.buttons]
        assert labels == [
            "Yes, I will come",
            "No, not this time",
            "Maybe",
            "No reminders for this meeting",
        ]
        assert ana_dm.buttons[0].command == "rsvp yes date:2026-03-03 circle:#1"
        pressed = (
            await h.router.run_text(
                Invocation("console", "console", "ana"), "/circle " + ana_dm.buttons[0].command
            )
        ).reply
        assert "You are coming to the meeting Tue 2026-03-03 19:00 GMT" in pressed.text

        sent = reminders(await advance(h, "1379m"))  # Tuesday 18:00
        assert len(sent) == 3 and all("(starts in 1 hour)" in line for line in sent)
        # Item 4: ana answered, so her reminder says so and offers to change it.
        ana_dm = reminder_to(h, "DM ana")
        assert ana_dm.text.splitlines()[-1] == (
            "You said you will come. If that changes, press the button below."
        )
        assert [(b.label, b.command) for b in ana_dm.buttons] == [
            ("I cannot come after all", "rsvp no date:2026-03-03 circle:#1"),
            ("No reminders for this meeting", "notify off date:2026-03-03 circle:#1"),
        ]
        lee_dm = reminder_to(h, "DM lee")
        assert lee_dm.text.splitlines()[-1].startswith("Will you come?")
        channel = reminder_to(h, CHANNEL)
        assert channel.text.splitlines()[-1].startswith("Will you come?")  # general


async def test_rsvp_maybe_and_no_reminders_for_one_meeting(db_url: str) -> None:
    """Item 4: ``rsvp maybe``; ``notify off date:`` stops one meeting's reminders only."""
    start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    async with circle(db_url, start, "day:tuesday time:19:00 timezone:Europe/London", "ana") as h:
        r = await h.run("ana", "/circle rsvp maybe")
        assert r.text.startswith("Thank you. You might come to the meeting Tue 2026-03-03 19:00")
        assert r.text.endswith("So far 0 going, 0 not going, 1 maybe.")
        r = await h.run("lee", "/circle notify off date:2026-03-03")
        assert r.text.startswith("No reminders for the meeting Tue 2026-03-03 19:00 GMT.")
        sent = reminders(await advance(h, "7h"))  # 19:00 Monday: the 24 h reminder
        assert not any("[DM lee]" in line for line in sent)
        ana_dm = reminder_to(h, "DM ana")
        assert ana_dm.text.splitlines()[-1].startswith("You said maybe.")
        assert [b.label for b in ana_dm.buttons] == [
            "Yes, I will come",
            "No, not this time",
            "No reminders for this meeting",
        ]
        r = await h.run("lee", "/circle attendance")
        assert "Maybe: @ana" in r.text.splitlines()
        # The next week's meeting reminds lee again: the mute was for one meeting.
        sent = reminders(await advance(h, "7d"))
        assert any("[DM lee] Reminder: Tuesday circle meets Tue 2026-03-10" in x for x in sent)
        r = await h.run("lee", "/circle notify dm date:2026-03-17")
        assert r.text.startswith("Reminders for the meeting Tue 2026-03-17 19:00 GMT are back on")


def reminder_to(h: Harness, where: str) -> Message:
    """The latest reminder delivered to ``where`` (``DM ana`` or a channel)."""
    return [m for w, m in h.port.messages.values() if w == where and "Reminder:" in m.text][-1]


def _mid(h: Harness) -> str:
    """The console message ID of the channel reminder (the newest channel message)."""
    ids = [mid for mid, (where, _) in h.port.messages.items() if where == CHANNEL]
    return ids[-1].removeprefix("m")


async def test_offsets_are_exact_durations_before_the_start_across_spring_forward(
    db_url: str,
) -> None:
    # Sunday 2026-03-08 19:00 in Los Angeles is 02:00 UTC on the 9th (PDT, -7). Clocks jumped
    # that morning, so 24 hours earlier is 18:00 PST on the 7th: 02:00 UTC on the 8th.
    start = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    async with circle(
        db_url,
        start,
        "day:sunday time:19:00 start:2026-03-08 timezone:America/Los_Angeles",
        "ana",
    ) as h:
        assert reminders(await advance(h, "839m")) == []  # 2026-03-08 01:59 UTC
        sent = reminders(await advance(h, "1m"))
        assert "[DM ana] Reminder: Tuesday circle meets Sun 2026-03-08 19:00 PDT " in sent[0] + " "
        assert all("(starts in 1 day)" in line for line in sent)
        assert reminders(await advance(h, "1379m")) == []
        sent = reminders(await advance(h, "1m"))  # 01:00 UTC on the 9th = 18:00 PDT
        assert sent and all("(starts in 1 hour)" in line for line in sent)


async def test_skip_and_move_update_pending_reminders(db_url: str) -> None:
    start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    async with circle(db_url, start, "day:tuesday time:19:00 timezone:Europe/London", "ana") as h:
        r = await h.run("lee", "/circle schedule skip 2026-03-03")
        assert "is skipped" in r.text
        assert reminders(await advance(h, "2d")) == []  # no reminders for the skipped one

        r = await h.run("lee", "/circle schedule move 2026-03-10 to:2026-03-11 time:18:00")
        assert "moves to Wed 2026-03-11 18:00 GMT" in r.text
        assert reminders(await advance(h, "5d")) == []  # Monday 2026-03-09 12:00
        # The old 24-hour reminder time (Monday 19:00) passes in silence...
        assert reminders(await advance(h, "8h")) == []
        sent = reminders(await advance(h, "22h"))  # Tuesday 18:00: 24 hours before the new time
        assert sent and all("meets Wed 2026-03-11 18:00 GMT (starts in 1 day)" in s for s in sent)
        body = reminder_to(h, "DM ana").text
        assert "This meeting was moved from Tue 2026-03-10 19:00 GMT." in body

        shown = (await h.run("ana", "/circle schedule show")).text
        assert "Wed 2026-03-11 18:00 GMT (moved from Tue 2026-03-10 19:00 GMT)" in shown


async def test_after_downtime_what_is_still_useful_is_sent_and_the_rest_skipped(
    db_url: str,
) -> None:
    start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    async with circle(db_url, start, "day:tuesday time:19:00 timezone:Europe/London", "ana") as h:
        # The bot is down from Monday noon until 20 minutes before Tuesday's meeting: the
        # 24-hour and 1-hour reminders are both overdue; one honest reminder goes out.
        sent = reminders(await advance(h, "1840m", ":offline"))
        assert sorted(sent) == [
            "[DM ana] Reminder: Tuesday circle meets Tue 2026-03-03 19:00 GMT "
            "(starts in 20 minutes).",
            "[DM lee] Reminder: Tuesday circle meets Tue 2026-03-03 19:00 GMT "
            "(starts in 20 minutes).",
        ]
        # Down again across the whole next reminder window and the meeting itself: nothing.
        assert reminders(await advance(h, "8d", ":offline")) == []
        async with h.core.sessions() as s:
            rows = (await s.execute(select(Delivery).order_by(Delivery.due_at))).scalars().all()
        by_meeting: dict[str, list[str]] = {}
        for d in rows:
            by_meeting.setdefault(f"{d.occurrence:%m-%d}", []).append(f"{d.kind}={d.status}")
        assert sorted(by_meeting["03-03"]) == ["reminder:1440=skipped", "reminder:60=sent"]
        assert sorted(by_meeting["03-10"]) == ["reminder:1440=skipped", "reminder:60=skipped"]


async def test_reminder_offsets_and_bad_input(db_url: str) -> None:
    start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    async with circle(db_url, start, "day:tuesday time:19:00 timezone:Europe/London", "ana") as h:
        r = await h.run("lee", "/circle reminders set 99x")
        assert "/circle reminders set 24h,1h" in r.text
        r = await h.run("ana", "/circle reminders set 2h")
        assert "Only these people" in r.text
        r = await h.run("lee", "/circle reminders set 2h,30m")
        assert "now go out 2 hours and 30 minutes before each meeting" in r.text
        assert reminders(await advance(h, "28h")) == []  # Tuesday 16:00: no 24-hour one
        sent = reminders(await advance(h, "1h"))
        assert len(sent) == 2 and all("(starts in 2 hours)" in s for s in sent)
        sent = reminders(await advance(h, "90m"))
        assert len(sent) == 2 and all("(starts in 30 minutes)" in s for s in sent)


async def test_scheduled_prompt_is_posted_before_each_meeting(db_url: str) -> None:
    start = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    async with circle(db_url, start, "day:tuesday time:19:00 timezone:Europe/London", "ana") as h:
        r = await h.run("lee", "/circle prompt schedule check-in 30m")
        assert "30 minutes before each meeting" in r.text
        r = await h.run("lee", "/circle prompt schedule check-in soon")
        assert "/circle prompt schedule check-in 1h" in r.text
        await advance(h, "1d")
        lines = await advance(h, "390m")  # Tuesday 18:30
        first = [x for x in lines if "Prompt for the meeting" in x]
        assert first and first[0].startswith(f"[{CHANNEL} ")
        assert "(check-in, about" in first[0]
        await advance(h, "6d")
        lines = await advance(h, "1d")
        second = [x for x in lines if "Prompt for the meeting" in x]
        assert second and second[0].split("):", 1)[1] != first[0].split("):", 1)[1]

        await h.run("lee", "/circle prompt schedule check-in off")
        await advance(h, "6d")
        assert not [x for x in await advance(h, "1d") if "Prompt for the meeting" in x]
