"""Consult requests: only the fact that one was made, never its words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Circle, Consult


async def open_count(s: AsyncSession, circle_id: int) -> int:
    """Requests of the circle its mentor has not acknowledged yet."""
    stmt = select(func.count()).where(
        Consult.circle_id == circle_id, Consult.acknowledged_at.is_(None)
    )
    return int((await s.execute(stmt)).scalar_one())


async def undelivered(s: AsyncSession, circle_id: int) -> Sequence[int]:
    """Numbers of the circle's open requests that never reached its mentor."""
    stmt = (
        select(Consult.id)
        .where(
            Consult.circle_id == circle_id,
            Consult.acknowledged_at.is_(None),
            Consult.delivered.is_(False),
        )
        .order_by(Consult.id)
    )
    return (await s.execute(stmt)).scalars().all()


async def erase_seals_before(s: AsyncSession, before: datetime) -> None:
    """The reply window is over: the bot forgets how to reach those anonymous askers."""
    await s.execute(
        update(Consult)
        .where(Consult.asker_seal.is_not(None), Consult.asked_at < before)
        .values(asker_seal=None)
        .execution_options(synchronize_session=False)
    )


async def sealed_in(s: AsyncSession, platform: str, workspace: str) -> Sequence[Consult]:
    """Anonymous requests of this workspace whose asker is still sealed (to find one's own)."""
    ids = select(Circle.id).where(Circle.platform == platform, Circle.workspace_id == workspace)
    stmt = select(Consult).where(Consult.asker_seal.is_not(None), Consult.circle_id.in_(ids))
    return (await s.execute(stmt)).scalars().all()


async def oldest_open(s: AsyncSession, circle_id: int) -> datetime | None:
    """When the longest-waiting unacknowledged request was asked."""
    stmt = select(func.min(Consult.asked_at)).where(
        Consult.circle_id == circle_id, Consult.acknowledged_at.is_(None)
    )
    return (await s.execute(stmt)).scalar_one_or_none()
