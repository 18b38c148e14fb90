"""RSVPs, held meetings and who was present, each keyed by the occurrence's original start."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Attendance, Meeting, ReminderMute, Rsvp


async def rsvp(s: AsyncSession, circle_id: int, key: datetime, user: str) -> Rsvp | None:
    stmt = select(Rsvp).where(
        Rsvp.circle_id == circle_id, Rsvp.occurrence == key, Rsvp.user_id == user
    )
    return (await s.execute(stmt)).scalar_one_or_none()


MeetingKey = tuple[int, datetime]
"""A meeting as ``(circle id, occurrence key)``."""


async def answers(s: AsyncSession, circle_id: int, key: datetime) -> dict[str, str]:
    """Person → ``yes``, ``no`` or ``maybe``, for everyone who answered."""
    return (await answers_of(s, [(circle_id, key)])).get((circle_id, key), {})


async def answers_of(
    s: AsyncSession, meetings: Iterable[MeetingKey]
) -> dict[MeetingKey, dict[str, str]]:
    """``answers`` of many meetings in one query."""
    wanted = set(meetings)
    found: dict[MeetingKey, dict[str, str]] = {}
    if not wanted:
        return found
    stmt = select(Rsvp).where(
        Rsvp.circle_id.in_(sorted({c for c, _ in wanted})),
        Rsvp.occurrence.in_(sorted({k for _, k in wanted})),
    )
    for r in (await s.execute(stmt)).scalars():
        if (r.circle_id, r.occurrence) in wanted:
            answer = "maybe" if r.maybe else "yes" if r.going else "no"
            found.setdefault((r.circle_id, r.occurrence), {})[r.user_id] = answer
    return found


async def muted(s: AsyncSession, circle_id: int, key: datetime) -> set[str]:
    """People who asked for no reminders for this meeting."""
    return (await muted_of(s, [(circle_id, key)])).get((circle_id, key), set())


async def muted_of(s: AsyncSession, meetings: Iterable[MeetingKey]) -> dict[MeetingKey, set[str]]:
    """``muted`` of many meetings in one query."""
    wanted = set(meetings)
    found: dict[MeetingKey, set[str]] = {}
    if not wanted:
        return found
    stmt = select(ReminderMute).where(
        ReminderMute.circle_id.in_(sorted({c for c, _ in wanted})),
        ReminderMute.occurrence.in_(sorted({k for _, k in wanted})),
    )
    for m in (await s.execute(stmt)).scalars():
        if (m.circle_id, m.occurrence) in wanted:
            found.setdefault((m.circle_id, m.occurrence), set()).add(m.user_id)
    return found


async def set_muted(s: AsyncSession, circle_id: int, key: datetime, user: str, on: bool) -> bool:
    """Mute (or unmute) one meeting's reminders for a person; returns whether it changed."""
    stmt = select(ReminderMute).where(
        ReminderMute.circle_id == circle_id,
        ReminderMute.occurrence == key,
        ReminderMute.user_id == user,
    )
    row = (await s.execute(stmt)).scalar_one_or_none()
    if on and row is None:
        s.add(ReminderMute(circle_id=circle_id, occurrence=key, user_id=user))
    elif not on and row is not None:
        await s.delete(row)
    else:
        return False
    await s.flush()
    return True


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
