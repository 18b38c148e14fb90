"""A circle's health for its mentor, from counts and dates only: nothing anyone said.

``figures`` gathers what the README's "Mentors" section lists (stage and days in it, members
n/max and waitlist, meetings held vs scheduled in the last 4 weeks, attendance rate, next meeting,
rules agreed k/n, open consults) and the flags; ``readiness`` the signals a stage nudge shows
(meetings run by leaders in this stage, attendance over the last 4 meetings, rules agreed,
open consults).
Both come from ``signals``: the nudge and the status show the same figures in the same words.

Meetings held and attendance come from the ``meetings`` table (``present_count`` of
``expected_count`` per meeting); scheduled and next meetings from ``bot.core.schedules``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import circles, consults, mentoring, notices, schedules
from bot.core.ledger import Job
from bot.core.scope import Scope
from bot.i18n import N_, format_day, translate, translate_plural
from bot.port import Button, ChatPort, Message
from storage import repos
from storage.models import Circle, DeliveryStatus, Meeting, Role, Stage, Status

log = logging.getLogger(__name__)

WINDOW = timedelta(weeks=4)
QUIET = timedelta(weeks=3)
LOW_ATTENDANCE = 0.5


CONSULT_WAIT = timedelta(days=3)


class Flag(StrEnum):
    NO_MEETING = N_("no meeting for 3 weeks")
    LOW_ATTENDANCE = N_("attendance under 50 %")
    BELOW_MIN = N_("below minimum size")
    STAGE_OVERDUE = N_("stage overdue")
    RULES_NOT_AGREED = N_("not everyone agreed to the current ground rules")
    CONSULT_WAITING = N_("a consult request unanswered for over 3 days")
    WAITLIST_WITH_SEATS = N_("people waiting while seats are free")


def rate(meetings: list[Meeting]) -> float | None:
    """Present of expected over these meetings (None when nobody was expected)."""
    expected = sum(m.expected_count for m in meetings)
    return sum(m.present_count for m in meetings) / expected if expected else None


@dataclass(frozen=True)
class Signals:
    """The readiness signals: what the stage nudge says and what ``mentor status`` shows, from
    this one computation, so the two never disagree."""

    leader_run: int
    meetings_in_stage: int
    attendance_last4: float | None
    agreed: int
    seated: int
    open_consults: int


async def signals(s: AsyncSession, circle: Circle, view: mentoring.Overview) -> Signals:
    in_stage = await meetings_of(s, circle.id, since=view.since)
    every = await meetings_of(s, circle.id)
    agreed, seated = await _rules_agreed(s, circle.id)
    return Signals(
        leader_run=len([m for m in in_stage if m.run_by_role == Role.LEADER]),
        meetings_in_stage=len(in_stage),
        attendance_last4=rate(every[-4:]),
        agreed=agreed,
        seated=seated,
        open_consults=await consults.open_count(s, circle.id),
    )


@dataclass
class Health:
    circle: Circle
    stage: Stage
    stage_since: datetime
    days_in_stage: int
    next_stage: Stage | None
    next_stage_planned: datetime | None
    members: int
    waitlist: int
    held: int
    scheduled: int
    last_meeting: datetime | None
    next_meeting: datetime | None
    signals: Signals
    paused_until: datetime | None = None
    undelivered_consults: tuple[int, ...] = ()
    """Requests that could not reach the mentor (direct messages closed): shown only to them."""
    flags: list[Flag] = field(default_factory=list)

    @property
    def attendance(self) -> float | None:
        """Attendance over the last 4 meetings held (the readiness figure)."""
        return self.signals.attendance_last4

    @property
    def agreed(self) -> int:
        return self.signals.agreed

    @property
    def seated(self) -> int:
        return self.signals.seated

    @property
    def open_consults(self) -> int:
        return self.signals.open_consults


@dataclass(frozen=True)
class Readiness:
    target: Stage
    signals: Signals


async def meetings_of(
    s: AsyncSession, circle_id: int, since: datetime | None = None, until: datetime | None = None
) -> list[Meeting]:
    """Meetings held from ``since`` to ``until`` (both inclusive), oldest first."""
    return await repos.meetings.meetings_of(s, circle_id, since, until)


async def _rules_agreed(s: AsyncSession, circle_id: int) -> tuple[int, int]:
    seated = [m for m in await repos.memberships(s, circle_id) if m.role != Role.MENTOR]
    current = await repos.current_rules(s, circle_id)
    agreed = await repos.agreed_users(s, circle_id, current.version) if current else set()
    return len([m for m in seated if m.user_id in agreed]), len(seated)


async def figures(s: AsyncSession, circle: Circle, now: datetime) -> Health:
    view = await mentoring.overview(s, circle)
    nxt = mentoring.next_stage(view.current)
    nxt_plan = view.plan_of(nxt) if nxt else None
    recent = await meetings_of(s, circle.id, now - WINDOW, now)
    every = await meetings_of(s, circle.id, until=now)
    loaded = await schedules.load(s, circle.id)
    scheduled: list[schedules.Occurrence] = []
    next_meeting = None
    if loaded is not None:
        # Meetings that have started by now (the end of the window is exclusive).
        until = now + timedelta(microseconds=1)
        scheduled = schedules.occurrences(loaded.rule, loaded.exceptions, now - WINDOW, until)
        upcoming = schedules.upcoming(loaded, now, 1)
        next_meeting = upcoming[0].start if upcoming else None
    keys = {o.key for o in scheduled}
    held = len(
        {m.occurrence for m in recent} | {m.occurrence for m in every if m.occurrence in keys}
    )
    paused = circle.paused_until if circle.paused_until and circle.paused_until > now else None
    h = Health(
        circle=circle,
        stage=view.current,
        stage_since=view.since,
        days_in_stage=max(0, (now - view.since).days),
        next_stage=nxt,
        next_stage_planned=nxt_plan.planned_at if nxt_plan else None,
        members=await repos.seats_taken(s, circle.id),
        waitlist=len(await repos.memberships(s, circle.id, Status.WAITLISTED)),
        held=held,
        scheduled=len(scheduled),
        last_meeting=every[-1].occurrence if every else None,
        next_meeting=next_meeting,
        signals=await signals(s, circle, view),
        paused_until=paused,
        undelivered_consults=await consults.undelivered(s, circle.id),
    )
    if circle.archived_at is not None:
        return h  # closed: the figures stay, nothing is worth a flag any more
    quiet_since = h.last_meeting or circle.created_at
    if circle.paused_until is not None and circle.paused_until > quiet_since:
        quiet_since = circle.paused_until  # weeks of a pause are not a quiet circle
    if now - quiet_since >= QUIET:
        h.flags.append(Flag.NO_MEETING)
    if h.attendance is not None and h.attendance < LOW_ATTENDANCE:
        h.flags.append(Flag.LOW_ATTENDANCE)
    if h.members < circle.min_size:
        h.flags.append(Flag.BELOW_MIN)
    if h.next_stage_planned is not None and h.next_stage_planned < now:
        h.flags.append(Flag.STAGE_OVERDUE)
    if h.agreed < h.seated:
        h.flags.append(Flag.RULES_NOT_AGREED)
    oldest = await consults.oldest_open(s, circle.id)
    if oldest is not None and now - oldest > CONSULT_WAIT:
        h.flags.append(Flag.CONSULT_WAITING)
    if h.waitlist and h.members < circle.max_size:
        h.flags.append(Flag.WAITLIST_WITH_SEATS)
    return h


async def status(sc: Scope, circle: Circle | None, is_organizer: bool) -> list[Health]:
    """``mentor status``: this circle's figures, or those of every circle the actor oversees."""
    found = [circle] if circle is not None else await circles.overseen(sc, is_organizer)
    return [await figures(sc.session, c, sc.now()) for c in found]


async def readiness(s: AsyncSession, circle: Circle, target: Stage) -> Readiness:
    view = await mentoring.overview(s, circle)
    return Readiness(target, await signals(s, circle, view))


# -- words ----------------------------------------------------------------------------------------


def percent(value: float | None, lang: str) -> str:
    return translate(N_("no figures yet"), lang) if value is None else f"{round(value * 100)} %"


def describe(h: Health, port: ChatPort, lang: str) -> list[str]:
    """The status lines of one circle, in plain words (flags said in words, not colour)."""
    c = h.circle
    zone = ZoneInfo(c.timezone)

    def t(msg: str, **v: object) -> str:
        return translate(msg, lang, **v)

    lines = [
        t(N_("{circle}"), circle=c.name),
        translate_plural(
            "  Stage: {stage}, for {n} day",
            "  Stage: {stage}, for {n} days",
            h.days_in_stage,
            lang,
            stage=t(h.stage.value),
        ),
    ]
    if h.next_stage and h.next_stage_planned:
        lines.append(
            t(
                N_("  Next stage: {stage}, planned for {date}"),
                stage=t(h.next_stage.value),
                date=format_day(h.next_stage_planned.astimezone(zone).date(), lang),
            )
        )
    lines += [
        t(N_("  Members: {n}/{max}, waitlist {w}"), n=h.members, max=c.max_size, w=h.waitlist),
        t(
            N_("  Meetings in the last 4 weeks: {held} held of {scheduled} scheduled"),
            held=h.held,
            scheduled=h.scheduled,
        ),
        t(
            N_("  Next meeting: {when}"),
            when=port.format_time(h.next_meeting, zone, lang) if h.next_meeting else t(N_("none")),
        ),
    ]
    if c.archived_at is not None:
        lines.append(
            t(N_("  Archived on {date}"), date=c.archived_at.astimezone(zone).date().isoformat())
        )
    if h.paused_until is not None:
        lines.append(
            t(N_("  Paused until {date}"), date=h.paused_until.astimezone(zone).date().isoformat())
        )
    lines += describe_signals(h.signals, lang)
    if h.undelivered_consults:
        lines.append(
            t(
                N_(
                    "  Consult requests that could not reach the mentor (direct messages "
                    "closed): {ids}. Open direct messages from the bot; answer with /circle "
                    "mentor reply id:N."
                ),
                ids=", ".join(str(i) for i in h.undelivered_consults),
            )
        )
    lines += [
        t(
            N_("  Flags: {flags}"),
            flags=", ".join(t(f.value) for f in h.flags) if h.flags else t(N_("none")),
        ),
    ]
    return lines


def describe_signals(r: Signals, lang: str) -> list[str]:
    """The readiness lines, word for word the same in the stage nudge and in mentor status."""

    def t(msg: str, **v: object) -> str:
        return translate(msg, lang, **v)

    return [
        t(
            N_("  Meetings run by leaders in this stage: {k} of {n}"),
            k=r.leader_run,
            n=r.meetings_in_stage,
        ),
        t(
            N_("  Attendance over the last 4 meetings: {rate}"),
            rate=percent(r.attendance_last4, lang),
        ),
        t(N_("  Ground rules agreed: {k}/{n}"), k=r.agreed, n=r.seated),
        t(N_("  Open consult requests: {n}"), n=r.open_consults),
    ]


# -- the stage nudge ------------------------------------------------------------------------------


async def nudge(job: Job) -> DeliveryStatus:
    """``stage-nudge:<stage>``: tell the mentor a stage is due, with the readiness signals."""
    core, row = job.core, job.delivery
    async with core.sessions() as s:
        circle = await s.get(Circle, row.circle_id)
        if circle is None:
            return DeliveryStatus.SKIPPED
        target = await mentoring.nudge_still_wanted(s, circle, job)
        mentor = await mentoring.mentor_of(s, circle.id)
        if target is None or mentor is None:
            return DeliveryStatus.SKIPPED
        r = await readiness(s, circle, target)
        current = mentoring.previous_stage(target)
    assert current is not None
    lang = circle.language
    port = core.port(circle.platform)
    lines = [
        translate(
            N_(
                "The {target} stage of {circle} was planned to begin now; the circle is in the "
                "{current} stage. It may be ready to move on. How things stand:"
            ),
            lang,
            circle=circle.name,
            current=translate(current.value, lang),
            target=translate(target.value, lang),
        ),
        *describe_signals(r.signals, lang),
        translate(N_("You decide: move on when the circle is ready, or leave it as it is."), lang),
    ]
    buttons = (
        Button(
            translate(N_("Move to {stage}"), lang, stage=translate(target.value, lang)),
            f"mentor stage set {target.value} circle:#{circle.id}",
            "primary",
        ),
        Button(translate(N_("Show status"), lang), f"mentor status circle:#{circle.id}"),
    )
    message = Message("\n".join(lines), buttons)
    await job.once(
        mentor,
        lambda key: notices.dm_or_notice(
            job.core,
            port,
            circle.workspace_id,
            mentor,
            message,
            key=key,
            retry=job.retry,
            circle=circle,
        ),
    )
    log.info("stage nudge sent circle=%s stage=%s", circle.id, target.value)
    return DeliveryStatus.SENT
