"""Schedules and their exceptions (a skipped or moved occurrence)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Schedule, ScheduleException


async def schedule(s: AsyncSession, circle_id: int) -> Schedule | None:
    return await s.get(Schedule, circle_id)


async def exceptions(s: AsyncSession, circle_id: int) -> Sequence[ScheduleException]:
    stmt = select(ScheduleException).where(ScheduleException.circle_id == circle_id)
    return (await s.execute(stmt)).scalars().all()


async def schedules_with_exceptions(
    s: AsyncSession, circle_ids: Iterable[int] | None = None
) -> tuple[Sequence[Schedule], Sequence[ScheduleException]]:
    """Every schedule (or those of ``circle_ids``) and their exceptions, in two queries."""
    stmt = select(Schedule)
    exc_stmt = select(ScheduleException)
    if circle_ids is not None:
        ids = list(circle_ids)
        stmt = stmt.where(Schedule.circle_id.in_(ids))
        exc_stmt = exc_stmt.where(ScheduleException.circle_id.in_(ids))
    rows = (await s.execute(stmt)).scalars().all()
    return rows, (await s.execute(exc_stmt)).scalars().all()


async def exception(s: AsyncSession, circle_id: int, key: datetime) -> ScheduleException | None:
    stmt = select(ScheduleException).where(
        ScheduleException.circle_id == circle_id, ScheduleException.occurrence == key
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def scheduled_circle_ids(s: AsyncSession) -> list[int]:
    stmt = select(Schedule.circle_id).order_by(Schedule.circle_id)
    return list((await s.execute(stmt)).scalars())
