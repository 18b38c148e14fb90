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
        r = await h.run("lee", "/circle session start minutes:2")
        assert "started" in r.text
        texts = channel_texts(h)
        assert texts[-2].startswith("Opening bell. The circle begins: 3 people, 1 round,")
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
