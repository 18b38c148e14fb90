"""Phase-out stages of a circle's mentor: planned and actual dates, and the current stage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import StageSettings
from storage import repos
from storage.models import Stage, StagePlan

ORDER = (Stage.FACILITATING, Stage.OBSERVING, Stage.ON_CALL, Stage.GRADUATED)


def plan(circle_id: int, start: datetime, cfg: StageSettings) -> list[StagePlan]:
    """The default plan: facilitating now, then observing, on call and graduated (~8 months)."""
    weeks = (0, cfg.facilitating_weeks, cfg.observing_weeks, cfg.on_call_weeks)
    rows, at = [], start
    for stage, offset in zip(ORDER, weeks, strict=True):
        at = at + timedelta(weeks=offset)
        rows.append(
            StagePlan(
                circle_id=circle_id,
                stage=stage,
                planned_at=at,
                started_at=start if stage is Stage.FACILITATING else None,
            )
        )
    return rows


async def plans(s: AsyncSession, circle_id: int) -> list[StagePlan]:
    rows = await repos.stages.plans(s, circle_id)
    return sorted(rows, key=lambda r: ORDER.index(Stage(r.stage)))


async def current(s: AsyncSession, circle_id: int) -> Stage:
    return (await current_of(s, [circle_id]))[circle_id]


async def current_of(s: AsyncSession, circle_ids: Iterable[int]) -> dict[int, Stage]:
    """The current stage of each of many circles, in one query: the latest one started."""
    ids = set(circle_ids)
    rows = await repos.stages.plans_of(s, ids)
    found = {}
    for cid in ids:
        started = [r for r in rows.get(cid, []) if r.started_at is not None]
        started.sort(key=lambda r: ORDER.index(Stage(r.stage)))
        found[cid] = Stage(started[-1].stage) if started else Stage.FACILITATING
    return found
