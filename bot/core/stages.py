"""Phase-out stages of a circle's mentor: planned and actual dates, and the current stage."""

from __future__ import annotations

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
    started = [r for r in await plans(s, circle_id) if r.started_at is not None]
    return Stage(started[-1].stage) if started else Stage.FACILITATING
