"""RSVPs, held meetings and who was present, each keyed by the occurrence's original start."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Attendance, Meeting, Rsvp


async def rsvp(s: AsyncSession, circle_id: int, key: datetime, user: str) -> Rsvp | None:
    stmt = select(Rsvp).where(
        Rsvp.circle_id == circle_id, Rsvp.occurrence == key, Rsvp.user_id == user
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def answers(s: AsyncSession, circle_id: int, key: datetime) -> dict[str, bool]:
    """Person → going, for everyone who answered."""
    stmt = select(Rsvp).where(Rsvp.circle_id == circle_id, Rsvp.occurrence == key)
    return {r.user_id: r.going for r in (await s.execute(stmt)).scalars()}


async def meeting(s: AsyncSession, circle_id: int, key: datetime) -> Meeting | None:
    stmt = select(Meeting).where(Meeting.circle_id == circle_id, Meeting.occurrence == key)
    return (await s.execute(stmt)).scalar_one_or_none()


async def present(s: AsyncSession, meeting_id: int) -> list[str]:
    stmt = select(Attendance.user_id).where(Attendance.meeting_id == meeting_id)
    return sorted((await s.execute(stmt)).scalars().all())


async def replace_attendance(s: AsyncSession, meeting_id: int, users: Iterable[str]) -> None:
    await s.execute(delete(Attendance).where(Attendance.meeting_id == meeting_id))
    for user in sorted(set(users)):
        s.add(Attendance(meeting_id=meeting_id, user_id=user))
    await s.flush()


async def meetings_of(
    s: AsyncSession, circle_id: int, since: datetime | None = None, until: datetime | None = None
) -> list[Meeting]:
    """Meetings held from ``since`` to ``until`` (both inclusive), oldest first."""
    stmt = select(Meeting).where(Meeting.circle_id == circle_id)
    if since is not None:
        stmt = stmt.where(Meeting.occurrence >= since)
    if until is not None:
        stmt = stmt.where(Meeting.occurrence <= until)
    return list((await s.execute(stmt.order_by(Meeting.occurrence))).scalars())
