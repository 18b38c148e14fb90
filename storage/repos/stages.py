"""The phase-out plan of a circle: one row per stage, with planned and actual start dates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import StagePlan


async def plans(s: AsyncSession, circle_id: int) -> Sequence[StagePlan]:
    """The circle's plan rows, in no particular order (``bot.core.stages`` orders them)."""
    return (await plans_of(s, [circle_id])).get(circle_id, [])


async def plans_of(s: AsyncSession, circle_ids: Iterable[int]) -> dict[int, list[StagePlan]]:
    """``plans`` of many circles in one query."""
    stmt = select(StagePlan).where(StagePlan.circle_id.in_(sorted(set(circle_ids))))
    found: dict[int, list[StagePlan]] = {}
    for row in (await s.execute(stmt)).scalars():
        found.setdefault(row.circle_id, []).append(row)
    return found
