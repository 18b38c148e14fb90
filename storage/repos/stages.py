"""The phase-out plan of a circle: one row per stage, with planned and actual start dates."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StagePlan


async def plans(s: AsyncSession, circle_id: int) -> Sequence[StagePlan]:
    """The circle's plan rows, in no particular order (``bot.core.stages`` orders them)."""
    stmt = select(StagePlan).where(StagePlan.circle_id == circle_id)
    return (await s.execute(stmt)).scalars().all()
