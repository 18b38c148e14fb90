"""Consult requests: only the fact that one was made, never its words."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Consult


async def open_count(s: AsyncSession, circle_id: int) -> int:
    """Requests of the circle its mentor has not acknowledged yet."""
    stmt = select(func.count()).where(
        Consult.circle_id == circle_id, Consult.acknowledged_at.is_(None)
    )
    return int((await s.execute(stmt)).scalar_one())
