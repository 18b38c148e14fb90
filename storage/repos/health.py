"""Held meetings of a circle, as its health figures and the attendance chart count them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Meeting


async def meetings_of(
    s: AsyncSession, circle_id: int, since: datetime | None = None, until: datetime | None = None
) -> list[Meeting]:
    """Meetings held between ``since`` and ``until`` (both inclusive), oldest first."""
    stmt = select(Meeting).where(Meeting.circle_id == circle_id)
    if since is not None:
        stmt = stmt.where(Meeting.occurrence >= since)
    if until is not None:
        stmt = stmt.where(Meeting.occurrence <= until)
    return list((await s.execute(stmt.order_by(Meeting.occurrence))).scalars())
