"""The attendance chart tells a skipped meeting from one with no record, names stages in words,
and says all of it in its alt text."""

from __future__ import annotations

from datetime import timedelta

from bot.core import charts
from storage.models import Circle, Stage
from tests.harness import Harness
from tests.mentor_support import START, circle_id, make_circle

TUE = START + timedelta(days=1, hours=2)  # Tuesday 2026-03-03 19:00 UTC
WEEK = timedelta(weeks=1)


async def test_skipped_and_unrecorded_meetings_differ(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h, members=("ana", "ben"))
        await h.run("lee", "/circle schedule set day:tuesday time:19:00 timezone:UTC")
        await h.run("lee", "/circle schedule skip 2026-03-10")
        h.clock.set(TUE + timedelta(hours=2))
        r = await h.run("lee", "/circle attendance present:@ana @ben")
        assert "Recorded 2 of 3" in r.text, r.text  # lee, ana and ben hold seats
        h.clock.set(START + timedelta(days=80))  # ten more meetings pass with no record
        await h.run("maya", "/circle mentor stage set on_call")
        now = START + timedelta(days=81)
        h.clock.set(now)

        async with h.core.sessions() as s:
            circle = await s.get(Circle, await circle_id(h))
            assert circle is not None
            data = await charts.chart_data(s, circle, now)
        assert [p.when for p in data.points] == [TUE]
        assert data.skipped == [TUE + WEEK]
        assert data.unrecorded[:2] == [TUE + 2 * WEEK, TUE + 3 * WEEK]
        assert TUE + WEEK not in data.unrecorded and TUE not in data.unrecorded
        assert [b.stage for b in data.bands] == [Stage.FACILITATING, Stage.ON_CALL]

        alt = charts.alt_text(data, "en")
        assert "1 meetings recorded (attendance 67% of those expected), 1 skipped" in alt
        assert f"{len(data.unrecorded)} with no record" in alt
        assert alt.endswith("Stages: facilitating, on call.")
        assert "on_call" not in alt
        assert charts.alt_text(data, "es").endswith("Etapas: facilitación, disponibilidad.")

        r = await h.run("maya", "/circle mentor chart")
        assert r.file is not None and r.file.alt == alt
        assert r.card is not None and r.card.file is r.file
        fields = {f.label: f.value for f in r.card.fields}
        assert fields == {
            "Meetings recorded": "1",
            "Skipped": "1",
            "No record": str(len(data.unrecorded)),
        }
        assert r.file.data.startswith(b"\x89PNG")
