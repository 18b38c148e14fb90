"""The attendance chart: people present per meeting over time, with the stages as labelled bands.

A meeting that was skipped on purpose and a meeting that passed with no attendance recorded are
different facts and look different: a cross marked "skipped" versus a hollow circle marked "no
record", each also named in the legend and counted in ``alt_text``.

Rendered headless (matplotlib's Agg canvas, no pyplot, so it is safe off the event loop) to a PNG
of ``WIDTH`` × ``HEIGHT`` pixels. Nothing is said by colour alone: each band carries its stage's
name as text, bars and the expected line differ in shape, and the legend names both.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import mentoring, schedules
from bot.core.health import meetings_of
from bot.core.scope import Scope
from bot.i18n import N_, translate
from storage.models import Circle, Stage

WIDTH, HEIGHT, DPI = 960, 540, 96
_SHADES = {
    Stage.FACILITATING: ("0.80", "//"),
    Stage.OBSERVING: ("0.88", "\\\\"),
    Stage.ON_CALL: ("0.94", ".."),
    Stage.GRADUATED: ("0.98", ""),
}


STAGE_LABELS = {
    Stage.FACILITATING: N_("facilitating"),
    Stage.OBSERVING: N_("observing"),
    Stage.ON_CALL: N_("on call"),
    Stage.GRADUATED: N_("graduated"),
}
"""Stages in words on the chart ("on call", never the stored ``on_call``)."""


@dataclass(frozen=True)
class Point:
    when: datetime
    present: int
    expected: int


@dataclass(frozen=True)
class Band:
    stage: Stage
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ChartData:
    title: str
    points: list[Point]
    bands: list[Band]
    start: datetime
    end: datetime
    skipped: list[datetime] = field(default_factory=list)
    """Scheduled meetings that were skipped on purpose."""
    unrecorded: list[datetime] = field(default_factory=list)
    """Scheduled meetings that have started but have no attendance record."""


async def chart_data(s: AsyncSession, circle: Circle, now: datetime) -> ChartData:
    """Every meeting held so far and the stages as they really happened (actual start dates)."""
    meetings = await meetings_of(s, circle.id, until=now)
    points = [Point(m.occurrence, m.present_count, m.expected_count) for m in meetings]
    view = await mentoring.overview(s, circle)
    started = [p for p in view.plans if p.started_at is not None]
    bands = []
    for i, p in enumerate(started):
        assert p.started_at is not None
        end = started[i + 1].started_at if i + 1 < len(started) else now
        assert end is not None
        bands.append(Band(Stage(p.stage), p.started_at, end))
    start = min([circle.created_at, *(p.when for p in points), *(b.start for b in bands)])
    end = max([now, *(p.when for p in points)])
    skipped: list[datetime] = []
    unrecorded: list[datetime] = []
    loaded = await schedules.load(s, circle.id)
    if loaded is not None:
        held = {m.occurrence for m in meetings}
        for occ in schedules.occurrences(
            loaded.rule, loaded.exceptions, start, now, include_skipped=True
        ):
            if occ.skipped:
                skipped.append(occ.key)
            elif occ.key not in held and occ.start <= now:
                unrecorded.append(occ.start)
    start = min([start, *skipped, *unrecorded])
    title = translate(N_("{circle}: attendance per meeting"), circle.language, circle=circle.name)
    return ChartData(title, points, bands, start, end, skipped, unrecorded)


def alt_text(data: ChartData, lang: str) -> str:
    """The chart in words, for screen readers: what it shows and its figures."""
    held = len(data.points)
    present = sum(p.present for p in data.points)
    expected = sum(p.expected for p in data.points)
    rate = f"{round(100 * present / expected)}%" if expected else "-"
    stages = ", ".join(translate(STAGE_LABELS[b.stage], lang) for b in data.bands) or "-"
    return translate(
        N_(
            "Bar chart of people present per meeting. {held} meetings recorded "
            "(attendance {rate} of those expected), {skipped} skipped, {unrecorded} with no "
            "record. Stages: {stages}."
        ),
        lang,
        held=held,
        rate=rate,
        skipped=len(data.skipped),
        unrecorded=len(data.unrecorded),
        stages=stages,
    )


@dataclass(frozen=True)
class Rendered:
    data: ChartData
    png: bytes
    filename: str


async def attendance(sc: Scope, circle: Circle, lang: str) -> Rendered:
    """``mentor chart``: the circle's attendance chart as a PNG, its labels in ``lang``."""
    data = await chart_data(sc.session, circle, sc.now())
    png = await render_png(data, lang)
    slug = re.sub(r"[^a-z0-9]+", "-", circle.name.lower()).strip("-")
    return Rendered(data, png, f"attendance-{slug}.png")


def render(data: ChartData, lang: str = "en") -> bytes:
    """The chart as PNG bytes, ``WIDTH`` × ``HEIGHT`` pixels.

    matplotlib is imported here, on first use, not when the bot starts (it costs about half a
    second and 40 MB, and most processes never draw a chart)."""
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _dates: Any = mdates  # matplotlib.dates has no type hints
    date2num: Callable[[datetime], float] = _dates.date2num
    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    pad = max((data.end - data.start) / 40, timedelta(days=7))
    lo, hi = data.start - pad, data.end + pad
    top = max([p.expected for p in data.points] + [p.present for p in data.points] + [1])
    ymax = top * 1.3 + 0.5
    for band in data.bands:
        shade, hatch = _SHADES[band.stage]
        x0, x1 = date2num(band.start), date2num(band.end)
        ax.axvspan(x0, x1, facecolor=shade, hatch=hatch, edgecolor="0.72", linewidth=0.5, zorder=0)
        ax.text(
            x0 + (x1 - x0) / 2,
            ymax * 0.97,
            translate(STAGE_LABELS[band.stage], lang),
            ha="center",
            va="top",
            fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "0.5", "boxstyle": "round,pad=0.2"},
            zorder=3,
        )
    if data.points:
        xs = [date2num(p.when) for p in data.points]
        width = max(min(2.0, (hi - lo).days / max(len(xs), 1) * 0.4), 0.3)
        ax.bar(
            xs,
            [p.present for p in data.points],
            width=width,
            color="0.25",
            label=translate(N_("present"), lang),
            zorder=2,
        )
        ax.plot(
            xs,
            [p.expected for p in data.points],
            linestyle="--",
            marker="o",
            color="black",
            label=translate(N_("expected"), lang),
            zorder=4,
        )
    if data.skipped:
        ax.plot(
            [date2num(w) for w in data.skipped],
            [0.15] * len(data.skipped),
            linestyle="none",
            marker="x",
            markersize=9,
            markeredgewidth=2,
            color="black",
            label=translate(N_("skipped"), lang),
            zorder=4,
        )
    if data.unrecorded:
        ax.plot(
            [date2num(w) for w in data.unrecorded],
            [0.15] * len(data.unrecorded),
            linestyle="none",
            marker="o",
            markersize=8,
            markerfacecolor="white",
            markeredgecolor="black",
            label=translate(N_("no record"), lang),
            zorder=4,
        )
    if data.points or data.skipped or data.unrecorded:
        ax.legend(loc="upper left", bbox_to_anchor=(0, 0.9), fontsize=9, framealpha=1)
    if not data.points:
        ax.text(
            date2num(lo + (hi - lo) / 2),
            ymax / 2,
            translate(N_("No meetings recorded yet"), lang),
            ha="center",
            va="center",
        )
    ax.set_xlim(date2num(lo), date2num(hi))
    ax.set_ylim(0, ymax)
    ax.set_ylabel(translate(N_("people present"), lang))
    ax.set_title(data.title)
    locator = _dates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_dates.ConciseDateFormatter(locator))
    ax.grid(axis="y", linestyle=":", color="0.5", zorder=1)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


async def render_png(data: ChartData, lang: str = "en") -> bytes:
    """Render off the event loop."""
    return await asyncio.to_thread(render, data, lang)
