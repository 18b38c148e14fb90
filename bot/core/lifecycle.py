"""The life of a circle beyond its meetings: pausing for a holiday, handing the leader role over,
assigning the mentor, declining a request, moving a member to another circle, archiving.

Nobody is changed silently: each use case tells the people it changes (a direct message) and the
circle (one post in its channel) in the circle's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core import circles, ledger, notices, reminders, schedules, stages
from bot.core.access import mentor_access
from bot.core.errors import UserError
from bot.core.scope import Scope
from bot.i18n import N_, translate
from bot.port import Access, Message
from storage import repos
from storage.models import Circle, Notify, Role, Status

MAX_PAUSE = timedelta(days=366)
MAX_REASON = 200


async def _post(sc: Scope, c: Circle, message: str, /, **values: object) -> None:
    if c.channel_id:
        await sc.port.post(
            sc.workspace, c.channel_id, Message(translate(message, c.language, **values))
        )


async def _dm(sc: Scope, c: Circle, user: str, message: str, /, **values: object) -> None:
    await notices.tell(sc, user, Message(translate(message, c.language, **values)), circle=c)


STILL_OPEN = frozenset(
    {
        "info",
        "rules show",
        "schedule show",
        "calendar",
        "attendance",
        "reminders show",
        "mentor status",
        "mentor stage",
        "mentor chart",
        "consult",
        "leave",
        "export",
        "forget-me",
        "privacy",
        "resources",
        "help",
    }
)
"""What still works on an archived circle: reading its records, consults, and one's own data."""


def check_open(circle: Circle, command: str) -> None:
    """The router's guard: an archived circle takes no command that would change it."""
    if circle.archived_at is not None and command not in STILL_OPEN:
        _not_archived(circle)


def _not_archived(circle: Circle) -> None:
    if circle.archived_at is not None:
        raise UserError(
            N_("{circle} is archived; its records stay, but nothing in it can change any more."),
            circle=circle.name,
        )


# -- pause and resume -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Paused:
    until: datetime
    """The first instant meetings take place again (local midnight of the ``until`` date)."""
    skipped: int
    zone: str


async def pause(sc: Scope, circle: Circle, until: date, reason: str | None) -> Paused:
    """``pause until:DATE``: no meetings (and so no reminders or prompts) before ``until``; the
    meetings of that day and later take place. Members are told in the channel, and those who
    get reminders by direct message get the notice there too."""
    _not_archived(circle)
    reason = " ".join(reason.split()) if reason else None
    if reason and len(reason) > MAX_REASON:
        raise UserError(N_("reason: keep it under {n} characters."), n=MAX_REASON)
    loaded = await schedules.load(sc.session, circle.id)
    zone = loaded.rule.zone if loaded is not None else schedules.zone_of(circle.timezone)
    now = sc.now()
    end = schedules.to_utc(datetime.combine(until, time()), zone)
    if end <= now:
        raise UserError(
            N_("until: {date} has passed. Give the first day the circle meets again."),
            date=until.isoformat(),
        )
    if end - now > MAX_PAUSE:
        raise UserError(N_("until: pause for a year at most. Give an earlier date."))
    if circle.paused_until is not None and circle.paused_until > now:
        await _unpause(sc, circle)
    skipped = 0
    if loaded is not None:
        skipped = len(await schedules.skip_between(sc.session, circle, loaded, now, end))
    circle.paused_until = end
    await reminders.changed(sc, circle, "circle.pause", until.isoformat())
    if reason:
        repos.audit(sc.session, now, circle.id, sc.actor, "circle.pause.reason", reason=reason)
    note = N_(
        "{circle} takes a break: no meetings and no reminders until {date}. Take care of "
        "yourselves; /circle resources is there whenever you need it."
    )
    values = {"circle": circle.name, "date": until.isoformat()}
    if reason:
        note = N_(
            "{circle} takes a break ({reason}): no meetings and no reminders until {date}. "
            "Take care of yourselves; /circle resources is there whenever you need it."
        )
        values["reason"] = reason
    await _post(sc, circle, note, **values)
    for m in await repos.memberships(sc.session, circle.id):
        if m.notify == Notify.DM and m.user_id != sc.actor:
            await _dm(sc, circle, m.user_id, note, **values)
    return Paused(end, skipped, zone.key)


async def _unpause(sc: Scope, circle: Circle) -> int:
    """Take back the skips a pause made (of meetings still ahead)."""
    removed = 0
    for e in await repos.schedules.exceptions(sc.session, circle.id):
        if e.paused and e.moved_to is None and e.occurrence > sc.now():
            await sc.session.delete(e)
            removed += 1
    circle.paused_until = None
    await sc.session.flush()
    return removed


@dataclass(frozen=True)
class Resumed:
    next_meeting: schedules.Occurrence | None
    zone: str


async def resume(sc: Scope, circle: Circle) -> Resumed:
    """``resume``: end a pause early; the meetings it skipped take place again."""
    _not_archived(circle)
    if circle.paused_until is None or circle.paused_until <= sc.now():
        raise UserError(N_("{circle} is not paused."), circle=circle.name)
    await _unpause(sc, circle)
    await reminders.changed(sc, circle, "circle.resume")
    loaded = await schedules.load(sc.session, circle.id)
    nxt = schedules.upcoming(loaded, sc.now(), 1) if loaded is not None else []
    zone = loaded.rule.zone if loaded is not None else schedules.zone_of(circle.timezone)
    if nxt:
        await _post(
            sc,
            circle,
            N_("{circle} is back: the next meeting is {when}."),
            circle=circle.name,
            when=sc.port.format_time(nxt[0].start, zone, circle.language),
        )
    else:
        await _post(sc, circle, N_("{circle} is back."), circle=circle.name)
    return Resumed(nxt[0] if nxt else None, zone.key)


# -- people ---------------------------------------------------------------------------------------


async def handover(sc: Scope, circle: Circle, to: str, previous: str | None) -> str:
    """``handover @to``: the leader role passes from the actor (or ``previous``, for an
    organizer) to a member; both are told, and the circle. Returns the previous leader."""
    _not_archived(circle)
    old = previous or sc.actor
    old_m = await repos.membership(sc.session, circle.id, old)
    if old_m is None or old_m.status != Status.ACTIVE or old_m.role != Role.LEADER:
        raise UserError(
            N_(
                "{person} is not a leader of {circle}. Say whose role passes on: /circle "
                "manage handover @new from:@leader"
            ),
            person=sc.port.mention(old),
            circle=circle.name,
        )
    new_m = await repos.membership(sc.session, circle.id, to)
    if new_m is None or new_m.status != Status.ACTIVE or new_m.role != Role.MEMBER:
        raise UserError(
            N_("{person} is not a member of {circle}; the leader role passes to a member."),
            person=sc.port.mention(to),
            circle=circle.name,
        )
    await circles.add(sc, circle, to, Role.LEADER)
    await circles.add(sc, circle, old, Role.MEMBER)  # (told, unless they handed it over)
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, "leader.handover", to)
    await _post(
        sc,
        circle,
        N_("{new} now leads {circle}, taking over from {old}. Thank you, {old}."),
        new=sc.port.mention(to),
        circle=circle.name,
        old=sc.port.mention(old),
    )
    return old


async def assign_mentor(sc: Scope, circle: Circle, mentor: str) -> str | None:
    """``mentor assign @name``: give the circle its mentor or change it. The new mentor gets a
    direct message (and channel access as the stage allows), the previous one is thanked, and
    the circle is told. Returns the previous mentor."""
    _not_archived(circle)
    seat = await repos.membership(sc.session, circle.id, mentor)
    if seat is not None and seat.status == Status.ACTIVE:
        if seat.role == Role.MENTOR:
            raise UserError(
                N_("{person} is already the mentor of {circle}."),
                person=sc.port.mention(mentor),
                circle=circle.name,
            )
        raise UserError(
            N_(
                "{person} holds a seat in {circle}; a mentor comes from outside the circle. "
                "Choose someone else."
            ),
            person=sc.port.mention(mentor),
            circle=circle.name,
        )
    previous = next(
        (m for m in await repos.memberships(sc.session, circle.id) if m.role == Role.MENTOR),
        None,
    )
    if previous is not None:
        previous.status, previous.since = Status.LEFT, sc.now()
        await ledger.cancel(sc.session, circle.id, kind_prefix="mentor-access")
        if circle.channel_id:
            await sc.port.set_access(sc.workspace, circle.channel_id, previous.user_id, Access.NONE)
        await _dm(
            sc,
            circle,
            previous.user_id,
            N_("{person} is now the mentor of {circle}. Thank you for your time with the circle."),
            person=sc.port.mention(mentor),
            circle=circle.name,
        )
        await sc.session.flush()
    await circles.add(sc, circle, mentor, Role.MENTOR)
    stage = await stages.current(sc.session, circle.id)
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, "mentor.assign", mentor)
    await _dm(
        sc,
        circle,
        mentor,
        N_(
            "You are now the mentor of {circle} (stage: {stage}). /circle mentor status shows "
            "how it is doing; consult requests from its members reach you here."
        ),
        circle=circle.name,
        stage=translate(stage.value, circle.language),
    )
    in_channel = mentor_access(stage) >= Access.POST
    await _post(
        sc,
        circle,
        N_("{person} is now the mentor of {circle} and sits in on its meetings.")
        if in_channel
        else N_("{person} is now the mentor of {circle}; /circle consult reaches them."),
        person=sc.port.mention(mentor),
        circle=circle.name,
    )
    return previous.user_id if previous is not None else None


async def decline(sc: Scope, circle: Circle, user: str) -> None:
    """``decline @name``: turn down a request to join (or take someone off the waitlist),
    kindly and in private."""
    m = await repos.membership(sc.session, circle.id, user)
    if m is None or m.status not in (Status.PENDING, Status.WAITLISTED):
        raise UserError(
            N_("{person} has not asked to join {circle} and is not on its waitlist."),
            person=sc.port.mention(user),
            circle=circle.name,
        )
    m.status, m.since = Status.LEFT, sc.now()
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, "member.decline", user)
    await sc.session.flush()
    await _dm(
        sc,
        circle,
        user,
        N_(
            "Your request to join {circle} was not accepted this time. This is not a judgement "
            "of you: circles are small. An organizer can help you find another circle, and "
            "/circle resources lists support lines."
        ),
        circle=circle.name,
    )


@dataclass(frozen=True)
class Transferred:
    outcome: circles.Added


async def transfer(sc: Scope, source: Circle, user: str, target: Circle) -> Transferred:
    """``transfer @name to:CIRCLE``: a member moves to another circle. Their RSVPs and
    attendance stay with the first circle's records; in the new one they are welcomed (or
    waitlisted) and agree to its ground rules."""
    _not_archived(target)
    if source.id == target.id:
        raise UserError(
            N_("{person} is already in {circle}."), person=sc.port.mention(user), circle=source.name
        )
    m = await repos.membership(sc.session, source.id, user)
    if m is None or m.status not in (Status.ACTIVE, Status.WAITLISTED) or m.role == Role.MENTOR:
        raise UserError(
            N_("{person} is not a member of {circle}."),
            person=sc.port.mention(user),
            circle=source.name,
        )
    there = await repos.membership(sc.session, target.id, user)
    if there is not None and there.status in (Status.ACTIVE, Status.WAITLISTED):
        raise UserError(
            N_("{person} is already in {circle} (or on its waitlist)."),
            person=sc.port.mention(user),
            circle=target.name,
        )
    await circles.remove(sc, source, user, action="member.transfer")
    outcome = await circles.add(sc, target, user, Role.MEMBER)
    await _dm(
        sc,
        target,
        user,
        N_("You have moved from {old} to {new}."),
        old=source.name,
        new=target.name,
    )
    return Transferred(outcome)


# -- archiving ------------------------------------------------------------------------------------


async def archive(sc: Scope, circle: Circle) -> None:
    """``archive``: the circle closes. No more meetings, reminders or nudges; the channel is
    archived (read-only where the platform has it); memberships, meetings and attendance stay
    for the mentor's figures, and forget-me still deletes a person's rows."""
    _not_archived(circle)
    now = sc.now()
    session = await repos.sessions.running(sc.session, circle.id)
    if session is not None:
        raise UserError(
            N_("A session is running in {circle}. End it first: /circle session end."),
            circle=circle.name,
        )
    circle.archived_at = now
    await reminders.changed(sc, circle, "circle.archive")
    await ledger.cancel(sc.session, circle.id)
    await _post(
        sc,
        circle,
        N_(
            "{circle} is now archived. Thank you, everyone, for the time you shared. This "
            "channel stays readable; support lines: /circle resources."
        ),
        circle=circle.name,
    )
    if circle.channel_id:
        await sc.port.archive_channel(sc.workspace, circle.channel_id)
