"""The attendance chart: its data (meetings and stage bands) and a PNG that decodes."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import matplotlib.image
from PIL import Image

from bot.core import charts
from storage.models import Circle, Stage
from tests.harness import Harness
from tests.mentor_support import START, add_meetings, circle_id, make_circle

TUE = datetime(2026, 3, 3, 19, 0, tzinfo=UTC)
WEEK = timedelta(weeks=1)


async def test_chart_data_and_png(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h, members=("ana", "ben", "cara"))
        await add_meetings(h, [(TUE + i * WEEK, 4 - i % 2, 4, "leader") for i in range(10)])
        observing = START + 8 * WEEK
        h.clock.set(observing)
        await h.run("maya", "/circle mentor stage advance")
        now = START + 11 * WEEK
        h.clock.set(now)

        async with h.core.sessions() as s:
            circle = await s.get(Circle, await circle_id(h))
            assert circle is not None
            data = await charts.chart_data(s, circle, now)
        assert [(p.when, p.present, p.expected) for p in data.points] == [
            (TUE + i * WEEK, 4 - i % 2, 4) for i in range(10)
        ]
        assert [(b.stage, b.start, b.end) for b in data.bands] == [
            (Stage.FACILITATING, START, observing),
            (Stage.OBSERVING, observing, now),
        ]
        assert (data.start, data.end) == (START, now)

        r = await h.run("maya", "/circle mentor chart")
        assert "10 meetings" in r.text
        assert r.file is not None
        assert r.file.filename == "attendance-tuesday-circle.png"
        assert r.file.mime == "image/png"
        assert r.file.data.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(r.file.data)) as image:
            assert image.format == "PNG"
            assert image.size == (charts.WIDTH, charts.HEIGHT)
        pixels = matplotlib.image.imread(io.BytesIO(r.file.data), format="png")
        assert pixels.shape[:2] == (charts.HEIGHT, charts.WIDTH)
        assert pixels.std() > 0.05  # something was drawn


async def test_chart_without_meetings_and_who_may_see_it(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        r = await h.run("organizer", '/circle mentor chart circle:"Tuesday circle"')
        assert r.file is not None and "0 meetings" in r.text
        with Image.open(io.BytesIO(r.file.data)) as image:
            assert image.size == (charts.WIDTH, charts.HEIGHT)
        r = await h.run("ana", "/circle mentor chart")
        assert r.file is None and "Only these people" in r.text
