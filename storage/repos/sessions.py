"""A running circle session (the talking piece) and its seating order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CircleSession, SessionSeat


async def running(s: AsyncSession, circle_id: int) -> CircleSession | None:
    stmt = select(CircleSession).where(CircleSession.circle_id == circle_id)
    return (await s.execute(stmt)).scalar_one_or_none()


async def seats(s: AsyncSession, session_id: int) -> list[str]:
    """Who sits where, in talking-piece order."""
    stmt = select(SessionSeat).where(SessionSeat.session_id == session_id)
    return [r.user_id for r in sorted((await s.execute(stmt)).scalars(), key=lambda r: r.position)]


async def replace_seats(s: AsyncSession, session_id: int, people: Sequence[str]) -> None:
    """The speaking order, as given."""
    await s.execute(delete(SessionSeat).where(SessionSeat.session_id == session_id))
    s.add_all(
        SessionSeat(session_id=session_id, position=i, user_id=u) for i, u in enumerate(people)
    )
    await s.flush()
