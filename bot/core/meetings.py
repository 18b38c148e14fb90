"""Meetings as people see them: the next one, RSVPs and the roster, and recorded attendance.

An occurrence is named by its original UTC start (``Occurrence.key``) everywhere, so RSVPs and
attendance follow a meeting that was moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

# Modules only, never ``from bot.core.schedules import …``: schedules imports this module too.
from bot.core import reminders, schedules, stages
from bot.core.errors import UserError
from bot.core.scope import Scope
from bot.i18n import N_
from storage import repos
from storage.models import Circle, Meeting, Membership, Role, Rsvp, Stage

RECENT = timedelta(days=60)
"""How far back ``attendance`` without a date looks for the meeting that just took place."""


async def next_meeting(
    s: AsyncSession, circle_id: int, now: datetime
) -> schedules.Occurrence | None:
    loaded = await schedules.load(s, circle_id)
    if loaded is None:
        return None
    found = schedules.upcoming(loaded, now, 1)
    return found[0] if found else None


def upcoming_or_on(
    loaded: schedules.Loaded, day: date | None, now: datetime
) -> schedules.Occurrence:
    """The meeting on ``day`` (local date), or the next one that has not started."""
    if day is not None:
        return schedules.find(loaded, day, now)
    found = schedules.upcoming(loaded, now, 1)
    if not found:
        raise UserError(N_("There are no upcoming meetings in the schedule."))
    return found[0]


def latest(loaded: schedules.Loaded, now: datetime) -> schedules.Occurrence | None:
    """The latest meeting that has started (within ``RECENT``): "the meeting that just took
    place", for attendance and its roster."""
    began = [
        o
        # The window's end is exclusive: a meeting starting this very instant has begun too.
        for o in schedules.occurrences(
            loaded.rule, loaded.exceptions, now - RECENT, now + timedelta(microseconds=1)
        )
        if o.start <= now
    ]
    return began[-1] if began else None


def latest_started(
    loaded: schedules.Loaded, day: date | None, now: datetime
) -> schedules.Occurrence:
    """The meeting on ``day``, or the latest one that has started; it must have started."""
    if day is not None:
        occ = schedules.find(loaded, day, now)
    else:
        found = latest(loaded, now)
        if found is None:
            raise UserError(
                N_(
                    "No meeting has taken place yet. Record attendance after a meeting starts, "
                    "or give its date: /circle attendance date:YYYY-MM-DD."
                )
            )
        occ = found
    if occ.start > now:
        raise UserError(
            N_(
                "The meeting on {date} has not started yet. Record attendance once it has; "
                "until then, RSVPs show who plans to come (/circle attendance shows them)."
            ),
            date=schedules.to_local(occ.start, loaded.rule.zone).date().isoformat(),
        )
    return occ


ANSWERS = ("yes", "no", "maybe")


async def _store_rsvp(
    s: AsyncSession,
    circle: Circle,
    occ: schedules.Occurrence,
    user: str,
    answer: str,
    now: datetime,
) -> None:
    going, maybe = answer == "yes", answer == "maybe"
    row = await repos.meetings.rsvp(s, circle.id, occ.key, user)
    if row is None:
        s.add(
            Rsvp(
                circle_id=circle.id,
                occurrence=occ.key,
                user_id=user,
                going=going,
                maybe=maybe,
                updated_at=now,
            )
        )
    else:
        row.going, row.maybe, row.updated_at = going, maybe, now
    await s.flush()


@dataclass(frozen=True)
class Roster:
    going: list[str]
    not_going: list[str]
    no_answer: list[str]
    present: list[str] | None  # recorded attendance, if any
    maybe: list[str] = field(default_factory=list)
    mentor: str | None = None
    """The mentor, while they sit in on meetings (facilitating and observing)."""
    mentor_answer: str | None = None


async def seated(s: AsyncSession, circle_id: int) -> Sequence[Membership]:
    """Members and leaders who hold a seat (the people a meeting expects)."""
    return [m for m in await repos.memberships(s, circle_id) if m.role in repos.SEAT_ROLES]


async def roster(s: AsyncSession, circle: Circle, occ: schedules.Occurrence) -> Roster:
    answers = await repos.meetings.answers(s, circle.id, occ.key)
    people = [m.user_id for m in await seated(s, circle.id)]

    def said(word: str) -> list[str]:
        return sorted(u for u in people if answers.get(u) == word)

    no_answer = [u for u in people if u not in answers]
    meeting = await repos.meetings.meeting(s, circle.id, occ.key)
    present = None
    if meeting is not None:
        present = await repos.meetings.present(s, meeting.id)
    mentor = await sitting_mentor(s, circle.id)
    return Roster(
        said("yes"),
        said("no"),
        no_answer,
        present,
        said("maybe"),
        mentor,
        answers.get(mentor) if mentor else None,
    )


async def sitting_mentor(s: AsyncSession, circle_id: int) -> str | None:
    """The mentor while they sit in on meetings (facilitating and observing), else None."""
    mentor = next(
        (m.user_id for m in await repos.memberships(s, circle_id) if m.role == Role.MENTOR), None
    )
    if mentor is None:
        return None
    sits_in = await stages.current(s, circle_id) in (Stage.FACILITATING, Stage.OBSERVING)
    return mentor if sits_in else None


async def record_attendance(
    s: AsyncSession,
    circle: Circle,
    occ: schedules.Occurrence,
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
    meeting = await repos.meetings.meeting(s, circle.id, occ.key)
    if meeting is None:
        meeting = Meeting(circle_id=circle.id, occurrence=occ.key, run_by_role=run_by_role)
        s.add(meeting)
    meeting.present_count = len(set(present))
    meeting.expected_count = expected
    meeting.recorded_at = now
    await s.flush()
    await repos.meetings.replace_attendance(s, meeting.id, present)
    return meeting


# -- use cases -----------------------------------------------------------------------------------


async def _need_member(sc: Scope, circle: Circle, message: str) -> None:
    if await repos.membership(sc.session, circle.id, sc.actor) is None:
        raise UserError(message, circle=circle.name)


@dataclass(frozen=True)
class Answered:
    occ: schedules.Occurrence
    zone: ZoneInfo
    answer: str
    roster: Roster

    @property
    def going(self) -> bool:
        return self.answer == "yes"


async def rsvp(sc: Scope, circle: Circle, answer: str, day: date | None) -> Answered:
    """``rsvp yes|no|maybe``: the person's answer for the next meeting (or the one on ``day``)."""
    await _need_member(sc, circle, N_("Only members of {circle} can answer."))
    loaded = await schedules.need(sc.session, circle)
    occ = upcoming_or_on(loaded, day, sc.now())
    if occ.start <= sc.now():
        raise UserError(
            N_("The meeting {when} has already started, so RSVPs for it are closed."),
            when=sc.port.format_time(occ.start, loaded.rule.zone, circle.language),
        )
    await _store_rsvp(sc.session, circle, occ, sc.actor, answer, sc.now())
    await reminders.refresh(sc, loaded, circle, occ)  # the live reminder shows the new count
    return Answered(occ, loaded.rule.zone, answer, await roster(sc.session, circle, occ))


@dataclass(frozen=True)
class Recorded:
    occ: schedules.Occurrence
    zone: ZoneInfo
    meeting: Meeting
    present: list[str]  # sorted, each once


async def record(
    sc: Scope, circle: Circle, day: date | None, present: Sequence[str], from_rsvps: bool
) -> Recorded:
    """``attendance present:@a @b`` (or ``from_rsvps``): who came to the latest meeting or the
    one on ``day``; it must have started."""
    loaded = await schedules.need(sc.session, circle)
    now = sc.now()
    occ = latest_started(loaded, day, now)
    people = list(present)
    if from_rsvps:
        people += (await roster(sc.session, circle, occ)).going
    meeting = await record_attendance(sc.session, circle, occ, people, now)
    repos.audit(sc.session, now, circle.id, sc.actor, "attendance.record")
    return Recorded(occ, loaded.rule.zone, meeting, sorted(set(people)))


@dataclass(frozen=True)
class RosterView:
    occ: schedules.Occurrence
    zone: ZoneInfo
    day: date  # the meeting's local date
    started: bool
    roster: Roster


async def roster_of(sc: Scope, circle: Circle, day: date | None) -> RosterView:
    """``attendance`` alone: the roster of the meeting on ``day``, else of the latest one that
    started, else of the next one."""
    loaded = await schedules.need(sc.session, circle)
    now = sc.now()
    if day is not None:
        occ = schedules.find(loaded, day, now)
    else:
        occ = latest(loaded, now) or upcoming_or_on(loaded, None, now)
    zone = loaded.rule.zone
    return RosterView(
        occ,
        zone,
        schedules.to_local(occ.start, zone).date(),
        occ.start <= now,
        await roster(sc.session, circle, occ),
    )


@dataclass(frozen=True)
class Muted:
    occ: schedules.Occurrence
    zone: ZoneInfo
    muted: bool


async def mute(sc: Scope, circle: Circle, day: date | None, muted: bool) -> Muted:
    """``notify off date:…``: no reminders for that one meeting (``notify dm|channel date:…``
    takes it back); the person's usual ``notify`` stays as it is."""
    await _need_member(sc, circle, N_("Only members of {circle} get its reminders."))
    loaded = await schedules.need(sc.session, circle)
    occ = upcoming_or_on(loaded, day, sc.now())
    if occ.start <= sc.now():
        raise UserError(
            N_("The meeting {when} has already started; no more reminders go out for it."),
            when=sc.port.format_time(occ.start, loaded.rule.zone, circle.language),
        )
    await repos.meetings.set_muted(sc.session, circle.id, occ.key, sc.actor, muted)
    return Muted(occ, loaded.rule.zone, muted)
