"""Meetings as people see them: the next one, RSVPs and the roster, and recorded attendance.

An occurrence is named by its original UTC start (``Occurrence.key``) everywhere, so RSVPs and
attendance follow a meeting that was moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import schedules
from bot.core.errors import UserError
from bot.core.schedules import Loaded, Occurrence
from bot.i18n import N_
from storage import repos
from storage.models import Attendance, Circle, Meeting, Membership, Role, Rsvp

RECENT = timedelta(days=60)
"""How far back ``attendance`` without a date looks for the meeting that just took place."""


async def need_schedule(s: AsyncSession, circle: Circle) -> Loaded:
    loaded = await schedules.load(s, circle.id)
    if loaded is None:
        raise UserError(
            N_(
                "{circle} has no meeting schedule yet. A leader can set one with "
                "/circle schedule set day:tuesday time:19:00."
            ),
            circle=circle.name,
        )
    return loaded


async def next_meeting(s: AsyncSession, circle_id: int, now: datetime) -> Occurrence | None:
    loaded = await schedules.load(s, circle_id)
    if loaded is None:
        return None
    found = schedules.upcoming(loaded, now, 1)
    return found[0] if found else None


def upcoming_or_on(loaded: Loaded, day: date | None, now: datetime) -> Occurrence:
    """The meeting on ``day`` (local date), or the next one that has not started."""
    if day is not None:
        return schedules.find(loaded, day, now)
    found = schedules.upcoming(loaded, now, 1)
    if not found:
        raise UserError(N_("There are no upcoming meetings in the schedule."))
    return found[0]


def latest_started(loaded: Loaded, day: date | None, now: datetime) -> Occurrence:
    """The meeting on ``day``, or the latest one that has started; it must have started."""
    if day is not None:
        occ = schedules.find(loaded, day, now)
    else:
        began = [
            o
            for o in schedules.occurrences(loaded.rule, loaded.exceptions, now - RECENT, now)
            if o.start <= now
        ]
        if not began:
            raise UserError(
                N_(
                    "No meeting has taken place yet. Record attendance after a meeting starts, "
                    "or give its date: /circle attendance date:YYYY-MM-DD."
                )
            )
        occ = began[-1]
    if occ.start > now:
        raise UserError(
            N_(
                "The meeting on {date} has not started yet. Record attendance once it has; "
                "until then, RSVPs show who plans to come (/circle attendance shows them)."
            ),
            date=schedules.to_local(occ.start, loaded.rule.zone).date().isoformat(),
        )
    return occ


async def rsvp(
    s: AsyncSession, circle: Circle, occ: Occurrence, user: str, going: bool, now: datetime
) -> None:
    stmt = select(Rsvp).where(
        Rsvp.circle_id == circle.id, Rsvp.occurrence == occ.key, Rsvp.user_id == user
    )
    row = (await s.execute(stmt)).scalar_one_or_none()
    if row is None:
        s.add(
            Rsvp(circle_id=circle.id, occurrence=occ.key, user_id=user, going=going, updated_at=now)
        )
    else:
        row.going, row.updated_at = going, now
    await s.flush()


@dataclass(frozen=True)
class Roster:
    going: list[str]
    not_going: list[str]
    no_answer: list[str]
    present: list[str] | None  # recorded attendance, if any


async def seated(s: AsyncSession, circle_id: int) -> Sequence[Membership]:
    """Members and leaders who hold a seat (the people a meeting expects)."""
    return [m for m in await repos.memberships(s, circle_id) if m.role in repos.SEAT_ROLES]


async def roster(s: AsyncSession, circle: Circle, occ: Occurrence) -> Roster:
    stmt = select(Rsvp).where(Rsvp.circle_id == circle.id, Rsvp.occurrence == occ.key)
    answers = {r.user_id: r.going for r in (await s.execute(stmt)).scalars()}
    people = [m.user_id for m in await seated(s, circle.id)]
    going = sorted(u for u, g in answers.items() if g)
    not_going = sorted(u for u, g in answers.items() if not g)
    no_answer = [u for u in people if u not in answers]
    meeting = await _meeting(s, circle.id, occ.key)
    present = None
    if meeting is not None:
        pstmt = select(Attendance.user_id).where(Attendance.meeting_id == meeting.id)
        present = sorted((await s.execute(pstmt)).scalars().all())
    return Roster(going, not_going, no_answer, present)


async def _meeting(s: AsyncSession, circle_id: int, key: datetime) -> Meeting | None:
    stmt = select(Meeting).where(Meeting.circle_id == circle_id, Meeting.occurrence == key)
    return (await s.execute(stmt)).scalar_one_or_none()


async def record_attendance(
    s: AsyncSession,
    circle: Circle,
    occ: Occurrence,
    present: Sequence[str],
    now: datetime,
    run_by_role: str = Role.LEADER,
) -> Meeting:
    """Record (or replace) who came; counts are kept for the circle's health figures."""
    people = {m.user_id: m for m in await repos.memberships(s, circle.id)}
    strangers = [p for p in present if p not in people]
    if strangers:
        raise UserError(
            N_(
                "{people} not in this circle, so I cannot mark them present. Add them first "
                "with /circle add, or leave them out."
            ),
            people=", ".join(strangers),
        )
    expected = len(await seated(s, circle.id))
    meeting = await _meeting(s, circle.id, occ.key)
    if meeting is None:
        meeting = Meeting(circle_id=circle.id, occurrence=occ.key, run_by_role=run_by_role)
        s.add(meeting)
    meeting.present_count = len(set(present))
    meeting.expected_count = expected
    meeting.recorded_at = now
    await s.flush()
    await s.execute(delete(Attendance).where(Attendance.meeting_id == meeting.id))
    for user in sorted(set(present)):
        s.add(Attendance(meeting_id=meeting.id, user_id=user))
    await s.flush()
    return meeting
