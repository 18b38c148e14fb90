"""The circle format: opening bell, a talking piece with a timer, passing, closing bell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.ledger import Dispatcher
from storage.models import Attendance, Meeting
from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
CH = "#circle-tuesday-circle"


def channel_texts(h: Harness) -> list[str]:
    return [m.text for ch, m in h.port.messages.values() if ch == CH]


async def test_rounds_timer_pass_and_attendance(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee mentor:@maya')
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle add @ben")
        r = await h.run("ana", "/circle session start")
        assert "Only these people can run /circle session start" in r.text
        r = await h.run("lee", "/circle session start minutes:2 present:@lee @ana @ben")
        assert "started" in r.text
        texts = channel_texts(h)
        assert texts[-2].startswith(
            "Opening bell. The circle begins: 3 people here (@lee, @ana, @ben), 1 round,"
        )
        assert "the talking piece is with @lee (about 2 minutes)" in texts[-1]
        # Only the holder (or a leader) moves the piece on; only the holder passes.
        r = await h.run("ben", "/circle session pass")
        assert "Only the person holding the talking piece can pass" in r.text
        r = await h.run("lee", "/circle session next")
        assert "now with @ana" in r.text
        # Ana's time runs out: the timer (a ledger delivery) posts a gentle note once.
        h.clock.advance(timedelta(minutes=3))
        dispatcher = Dispatcher(h.core)
        await dispatcher.run_due()
        await dispatcher.run_due()
        notes = [t for t in channel_texts(h) if "that is about 2 minutes" in t]
        assert notes == [
            "@ana, that is about 2 minutes. Finish your thought whenever you are ready."
        ]
        r = await h.run("ana", "/circle session pass")
        assert "now with @ben" in r.text
        # the one talking-piece message was edited: it says who passed and who speaks now
        [piece] = [t for t in channel_texts(h) if "Talking piece" in t]
        assert "@ana passes." in piece and "the talking piece is with @ben" in piece
        r = await h.run("ben", "/circle session next")
        assert "last turn" in r.text
        r = await h.run("lee", "/circle session end")
        assert "3 people took part" in r.text
        assert channel_texts(h)[-1].startswith("Closing bell.")
        async with h.core.sessions() as s:
            meeting = (await s.execute(select(Meeting))).scalar_one()
            assert (meeting.run_by_role, meeting.present_count, meeting.expected_count) == (
                "leader",
                3,
                3,
            )
            present = set((await s.execute(select(Attendance.user_id))).scalars())
            assert present == {"lee", "ana", "ben"}
        r = await h.run("lee", "/circle session next")
        assert "No session is running" in r.text


async def test_a_session_starts_with_who_is_here(db_url: str) -> None:
    """Issue 10 item 1: RSVP yes and "I'm here" make the list, the leader corrects it, only the
    people here get turns, and the meeting records exactly them."""
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee timezone:UTC')
        for p in ("ana", "ben", "cara", "dev"):
            await h.run("lee", f"/circle add @{p}")
        await h.run("lee", "/circle schedule set day:tuesday time:19:00")
        await h.run("ana", "/circle rsvp yes")
        await h.run("ben", "/circle rsvp no")
        await h.run("dev", "/circle rsvp yes")
        h.clock.advance(timedelta(days=1, hours=2))  # Tuesday 19:00 UTC
        r = await h.run("lee", "/circle session start")
        assert "Here so far: 3" in r.text
        bell = h.port.messages[max(h.port.messages, key=lambda k: int(k[1:]))][1]
        assert bell.text.startswith("Opening bell. Tuesday circle gathers.")
        assert "Here so far: @lee, @ana, @dev." in bell.text
        assert bell.buttons[0].command == "session here circle:#1"
        r = await h.run("ana", "/circle session next")
        assert "The rounds have not begun yet" in r.text
        r = await h.run("cara", "/circle session here")
        assert "You are marked present" in r.text
        r = await h.run("cara", "/circle session here")
        assert "already marked present" in r.text
        # Dev said yes but did not come: the leader corrects the list.
        r = await h.run("ana", "/circle session here @ana @lee")
        assert "Only a leader can say who else is here" in r.text
        r = await h.run("lee", "/circle session here @lee @ana @cara")
        assert r.text == "Here now (3): @lee, @ana, @cara."
        r = await h.run("lee", "/circle session next")
        assert "now with @lee" in r.text
        assert any(
            t.startswith("The rounds begin with the 3 people here: @lee, @ana, @cara.")
            for t in channel_texts(h)
        )
        speakers = []
        for who in ("lee", "ana", "cara"):
            # The talking piece is one live message, edited as it moves: read who holds it.
            [piece] = [t for t in channel_texts(h) if "Talking piece" in t]
            speakers.append(next(x for x in piece.splitlines() if x.startswith("Speaking:")))
            r = await h.run(who, "/circle session next")
        assert "last turn" in r.text
        assert speakers == ["Speaking: @lee", "Speaking: @ana", "Speaking: @cara"]
        r = await h.run("lee", "/circle session end")
        assert "3 people took part" in r.text
        async with h.core.sessions() as s:
            meeting = (await s.execute(select(Meeting))).scalar_one()
            assert (meeting.present_count, meeting.expected_count) == (3, 5)
            present = set((await s.execute(select(Attendance.user_id))).scalars())
            assert present == {"lee", "ana", "cara"}
        # The leader corrects the record afterwards: dev arrived late after all.
        r = await h.run("lee", "/circle attendance present:@lee @ana @cara @dev")
        assert r.text.startswith("Recorded 4 of 5 present")


async def test_a_late_arrival_gets_a_turn_and_stale_buttons_do_not_act(db_url: str) -> None:
    """Item 5: a Done/Pass button of an earlier turn says the piece has moved on."""
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee timezone:UTC')
        for p in ("ana", "ben"):
            await h.run("lee", f"/circle add @{p}")
        await h.run("lee", "/circle session start present:@lee @ana")
        first = [m for _ch, m in h.port.messages.values() if m.buttons][-1]
        done = first.buttons[0].command
        assert done == "session next turn:1.0 circle:#1"
        r = await h.run("lee", "/circle " + done)
        assert "now with @ana" in r.text
        r = await h.run("lee", "/circle " + done)  # the same button again
        assert r.text == (
            "That button is from an earlier turn: the talking piece has moved on and is with "
            "@ana now. Nothing changed."
        )
        r = await h.run("ben", "/circle session here")  # arrives late: last in the order
        assert "marked present" in r.text
        r = await h.run("ana", "/circle session pass turn:1.1")
        assert "now with @ben" in r.text
        # The leader takes ben off the list while he holds the piece: the rounds are over.
        r = await h.run("lee", "/circle session here @lee @ana")
        assert "last turn" in channel_texts(h)[-1]
        r = await h.run("lee", "/circle session end")
        assert "2 people took part" in r.text
