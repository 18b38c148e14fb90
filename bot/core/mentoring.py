"""The mentor's phase-out: stage changes with their history, channel access, invitations back.

Stages run ``facilitating`` → ``observing`` → ``on_call`` → ``graduated`` (``bot.core.stages``
holds the plan rows). Every change is an ``AuditEvent`` (``stage.advance``, ``stage.set``,
``stage.plan``) with who made it, ``detail`` = ``"<from>><to>"`` and the changer's reason.

Access follows the stage through the chat port: the mentor may view and post while facilitating
and observing, and has no access from ``on_call`` on. A leader's ``mentor invite`` lets them back
for some hours; the ledger row ``mentor-access:expire`` (due when the invitation ends) withdraws
it again, so a restart does not forget it.

Graduation plans a reconvening meeting ``[stages] reconvene_months`` later for the people in the
circle at graduation: one ledger row ``reconvene:<person>`` per person (and the mentor), due a
week before, that sends each a direct message with the date and time, and one ``reconvene:channel``
row that posts the same in the circle's channel. Going back from ``graduated`` cancels them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import StageSettings
from bot.core import kinds, ledger, notices, reminders, rules, schedules, stages
from bot.core.access import INVITE_KIND, invited_until, mentor_access
from bot.core.errors import UserError
from bot.core.ledger import Job
from bot.core.scope import Scope
from bot.i18n import N_, format_day, translate
from bot.port import Access, ChatPort, Message
from storage import repos
from storage.models import (
    Circle,
    DeliveryStatus,
    Membership,
    Role,
    Stage,
    StagePlan,
    Status,
)

log = logging.getLogger(__name__)

ORDER = stages.ORDER
STAGE_ACTIONS = ("stage.advance", "stage.set", "stage.plan")
MAX_REASON = 200
LATE_NUDGE = timedelta(days=7)
"""A stage entered after the next stage's planned date is nudged this long after it began."""
RECONVENE_NOTICE = timedelta(days=7)

STAGE_NOTES = {
    Stage.FACILITATING: N_(
        "{circle} is in its facilitating stage: {mentor} facilitates the meetings for now."
    ),
    Stage.OBSERVING: N_(
        "{circle} is now in its observing stage: leaders run the meetings, and {mentor} takes "
        "part as a supportive observer and mentor."
    ),
    Stage.ON_CALL: N_(
        "{circle} is now in its on-call stage: {mentor} steps out of this channel and stays "
        "available. /circle consult reaches them privately, and a leader can invite them back "
        "for a while with /circle mentor invite."
    ),
    Stage.GRADUATED: N_(
        "{circle} has graduated and runs on its own. The circle is invited to reconvene on "
        "{when} to look back together. /circle consult still reaches {mentor}."
    ),
}


def next_stage(stage: Stage) -> Stage | None:
    i = ORDER.index(stage)
    return ORDER[i + 1] if i + 1 < len(ORDER) else None


def previous_stage(stage: Stage) -> Stage | None:
    i = ORDER.index(stage)
    return ORDER[i - 1] if i > 0 else None


def parse_stage(word: str) -> Stage:
    try:
        return Stage(word.lower().replace("-", "_"))
    except ValueError:
        raise UserError(
            N_("stage: choose one of {choices}."), choices=", ".join(s.value for s in ORDER)
        ) from None


@dataclass(frozen=True)
class Change:
    at: datetime
    actor: str | None
    action: str
    detail: str | None
    reason: str | None


@dataclass(frozen=True)
class Overview:
    current: Stage
    since: datetime
    plans: list[StagePlan]
    history: list[Change]
    mentor: str | None

    def plan_of(self, stage: Stage) -> StagePlan | None:
        return next((p for p in self.plans if p.stage == stage), None)


@dataclass(frozen=True)
class StageChange:
    """What a stage change did, for the command to say."""

    before: Stage
    after: Stage
    mentor: str | None
    mentor_posts: bool
    """Whether the mentor may now view and post in the circle's channel."""
    reconvene_months: int | None
    """When the circle graduated: in how many months it is invited to reconvene."""


async def mentor_of(s: AsyncSession, circle_id: int) -> str | None:
    """The circle's active mentor, if it has one."""
    for m in await repos.memberships(s, circle_id):
        if m.role == Role.MENTOR:
            return m.user_id
    return None


async def overview(s: AsyncSession, circle: Circle) -> Overview:
    plans = await ensure_plans(s, circle)
    started = [p for p in plans if p.started_at is not None]
    current = Stage(started[-1].stage) if started else Stage.FACILITATING
    since = started[-1].started_at if started else circle.created_at
    assert since is not None
    history = [
        Change(e.at, e.actor_id, e.action, e.detail, e.reason)
        for e in await repos.mentoring.history(s, circle.id, STAGE_ACTIONS)
    ]
    return Overview(current, since, plans, history, await mentor_of(s, circle.id))


async def ensure_plans(s: AsyncSession, circle: Circle) -> list[StagePlan]:
    """The circle's plan rows (made from the configured defaults if a row is missing)."""
    plans = await stages.plans(s, circle.id)
    if len(plans) == len(ORDER):
        return plans
    have = {p.stage for p in plans}
    for row in stages.plan(circle.id, circle.created_at, StageSettings()):
        if row.stage not in have:
            s.add(row)
    await s.flush()
    return await stages.plans(s, circle.id)


def _check_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise UserError(N_("reason: keep it under {n} characters."), n=MAX_REASON)
    return reason or None


async def show(sc: Scope, circle: Circle) -> Overview:
    """The stages of the circle: plan, actual dates and the history of changes."""
    return await overview(sc.session, circle)


async def advance(sc: Scope, circle: Circle, reason: str | None) -> StageChange:
    """Move on to the next stage."""
    view = await overview(sc.session, circle)
    to = next_stage(view.current)
    if to is None:
        raise UserError(
            N_(
                "{circle} has already graduated; there is no later stage. To go back, use "
                "/circle mentor stage set on_call."
            ),
            circle=circle.name,
        )
    return await _change(sc, circle, view, to, reason, "stage.advance")


async def set_stage(sc: Scope, circle: Circle, to: Stage, reason: str | None) -> StageChange:
    """Begin ``to`` now, forward or back."""
    view = await overview(sc.session, circle)
    if to == view.current:
        raise UserError(
            N_(
                "{circle} is already in the {stage} stage. To move on: /circle mentor stage "
                "advance."
            ),
            circle=circle.name,
            stage=translate(to.value, circle.language),
        )
    return await _change(sc, circle, view, to, reason, "stage.set")


async def replan(
    sc: Scope, circle: Circle, stage: Stage, day: date, reason: str | None
) -> datetime:
    """Move a stage's planned date to ``day`` at the same local time (and the nudge that goes
    with it). Returns the new planned time."""
    zone = ZoneInfo(circle.timezone)
    if day < circle.created_at.astimezone(zone).date():
        raise UserError(
            N_("planned: {date} is before the circle began. Give a later date."),
            date=format_day(day, circle.language),
        )
    reason = _check_reason(reason)
    view = await overview(sc.session, circle)
    row = view.plan_of(stage)
    assert row is not None
    if stage == Stage.FACILITATING:
        raise UserError(
            N_(
                "The facilitating stage begins when the circle is created; plan a later stage, "
                "like /circle mentor stage plan observing planned:2026-06-01."
            )
        )
    row.planned_at = datetime.combine(day, row.planned_at.astimezone(zone).time(), tzinfo=zone)
    _record(sc, circle, "stage.plan", stage.value, reason)
    await sc.session.flush()
    await schedule_nudge(sc.session, circle, sc.now())
    return row.planned_at


def _record(sc: Scope, circle: Circle, action: str, detail: str, reason: str | None) -> None:
    """Who changed which stage, and why (the reason in their own words)."""
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, action, detail=detail, reason=reason)


async def _change(
    sc: Scope, circle: Circle, view: Overview, to: Stage, reason: str | None, action: str
) -> StageChange:
    reason = _check_reason(reason)
    s, now = sc.session, sc.now()
    target = ORDER.index(to)
    for p in view.plans:
        i = ORDER.index(Stage(p.stage))
        if i == target:
            p.started_at = now
        elif i > target:
            p.started_at = None  # going back: later stages begin again when reached
    _record(sc, circle, action, f"{view.current.value}>{to.value}", reason)
    await s.flush()
    # An invitation back ends with any stage change: the new stage decides access.
    await ledger.cancel(s, circle.id, kind_prefix=kinds.MENTOR_ACCESS)
    if view.current == Stage.GRADUATED:
        await cancel_reconvening(sc, circle)
    reconvene_at = None
    if to == Stage.GRADUATED:
        reconvene_at = await schedule_reconvening(sc, circle, now)
    await schedule_nudge(s, circle, now)
    if view.mentor is not None and circle.channel_id:
        await rules.set_access(sc, circle, view.mentor, mentor_access(to, invited=False))
    if circle.channel_id:
        when = (
            sc.port.format_time(reconvene_at, ZoneInfo(circle.timezone), circle.language)
            if reconvene_at
            else ""
        )
        note = translate(
            STAGE_NOTES[to],
            circle.language,
            circle=circle.name,
            mentor=sc.port.mention(view.mentor)
            if view.mentor
            else translate(N_("the mentor"), circle.language),
            when=when,
        )
        await sc.port.post(sc.workspace, circle.channel_id, Message(note))
    months = sc.core.settings.file.stages.reconvene_months if to == Stage.GRADUATED else None
    return StageChange(view.current, to, view.mentor, mentor_access(to) >= Access.POST, months)


# -- nudges ---------------------------------------------------------------------------------------


async def _fresh_occurrence(s: AsyncSession, circle_id: int, kind: str, at: datetime) -> datetime:
    """``at``, or just after it when that key is already used by a finished row."""
    while True:
        status = await repos.mentoring.key_status(s, circle_id, kind, at)
        if status is None or status == DeliveryStatus.PENDING:
            return at
        at += timedelta(microseconds=1)


async def schedule_nudge(s: AsyncSession, circle: Circle, now: datetime) -> bool:
    """A ``stage-nudge:<next stage>`` row due at the next stage's planned date.

    Keyed by when the current stage began, so a stage entered again gets a nudge of its own; a
    stage entered after the next one's planned date is nudged a week after it began.
    """
    plans = await ensure_plans(s, circle)
    started = [p for p in plans if p.started_at is not None]
    if not started:
        return False
    current = started[-1]
    nxt = next_stage(Stage(current.stage))
    if nxt is None:
        return False
    plan_row = next(p for p in plans if p.stage == nxt)
    assert current.started_at is not None
    due = plan_row.planned_at
    if due <= current.started_at:
        due = max(current.started_at + LATE_NUDGE, now)
    kind = kinds.of(kinds.STAGE_NUDGE, nxt.value)
    occurrence = await _fresh_occurrence(s, circle.id, kind, current.started_at)
    return await ledger.enqueue(s, circle.id, occurrence, kind, due)


async def nudge_still_wanted(s: AsyncSession, circle: Circle, job: Job) -> Stage | None:
    """The stage to suggest, or None when the circle has moved on since the row was made."""
    try:
        target = Stage(job.kind_detail)
    except ValueError:
        return None
    plans = await stages.plans(s, circle.id)
    started = [p for p in plans if p.started_at is not None]
    if not started or previous_stage(target) != Stage(started[-1].stage):
        return None
    began = started[-1].started_at
    assert began is not None
    return target if job.delivery.occurrence >= began else None


# -- invitations ----------------------------------------------------------------------------------


async def invite(sc: Scope, circle: Circle, hours: int) -> tuple[str, datetime]:
    """Let the on-call mentor back into the channel for ``hours``; returns (mentor, until)."""
    s, now = sc.session, sc.now()
    mentor = await mentor_of(s, circle.id)
    if mentor is None:
        raise UserError(
            N_("{circle} has no mentor to invite. An organizer can add one: /circle add @name."),
            circle=circle.name,
        )
    stage = await stages.current(s, circle.id)
    if stage in (Stage.FACILITATING, Stage.OBSERVING):
        raise UserError(
            N_(
                "{person} already takes part in {circle} in the {stage} stage; an invitation "
                "is only needed from the on-call stage on."
            ),
            person=sc.port.mention(mentor),
            circle=circle.name,
            stage=translate(stage.value, circle.language),
        )
    if not circle.channel_id:
        raise UserError(
            N_("{circle} has no channel to invite the mentor into."), circle=circle.name
        )
    until = now + timedelta(hours=hours)
    # A new invitation replaces an earlier one (longer or shorter).
    await ledger.cancel(s, circle.id, kind_prefix=kinds.MENTOR_ACCESS)
    occurrence = await _fresh_occurrence(s, circle.id, INVITE_KIND, now)
    await ledger.enqueue(s, circle.id, occurrence, INVITE_KIND, until, target_id=mentor)
    repos.audit(s, now, circle.id, sc.actor, "mentor.invite", mentor, f"{hours}h")
    await s.flush()
    await rules.set_access(sc, circle, mentor, mentor_access(stage, True))
    zone = ZoneInfo(circle.timezone)
    await notices.dm(
        sc,
        mentor,
        Message(
            translate(
                N_(
                    "{person} invited you back into the channel of {circle} until {until}. "
                    "After that your access ends again."
                ),
                circle.language,
                person=sc.port.mention(sc.actor),
                circle=circle.name,
                until=sc.port.format_time(until, zone, circle.language),
            )
        ),
    )
    return mentor, until


async def expire_invitation(job: Job) -> DeliveryStatus:
    """``mentor-access:expire``: withdraw an invited mentor's access when the time is up."""
    core, row = job.core, job.delivery
    async with core.sessions() as s, s.begin():
        circle = await s.get(Circle, row.circle_id)
        mentor = row.target_id
        if circle is None or mentor is None or not circle.channel_id:
            return DeliveryStatus.SKIPPED
        stage = await stages.current(s, circle.id)
        m = await repos.membership(s, circle.id, mentor)
        still_mentor = m is not None and m.status == Status.ACTIVE and m.role == Role.MENTOR
        if still_mentor and stage in (Stage.FACILITATING, Stage.OBSERVING):
            return DeliveryStatus.SKIPPED  # the stage gives them access anyway
        later = await invited_until(s, circle.id, mentor, row.due_at)
        if later is not None and later > row.due_at and still_mentor:
            return DeliveryStatus.SKIPPED  # a newer invitation is still running
        port = core.port(circle.platform)
        await port.set_access(circle.workspace_id, circle.channel_id, mentor, Access.NONE)
        if still_mentor:
            text = translate(
                N_(
                    "Your invitation into the channel of {circle} has ended. The circle can "
                    "still reach you through /circle consult."
                ),
                circle.language,
                circle=circle.name,
            )
            await job.once(
                mentor,
                lambda key: notices.dm_or_notice(
                    job.core,
                    port,
                    circle.workspace_id,
                    mentor,
                    Message(text),
                    key=key,
                    retry=job.retry,
                    circle=circle,
                ),
            )
    log.info("mentor access expired circle=%s delivery=%s", row.circle_id, row.id)
    return DeliveryStatus.SENT


# -- reconvening ----------------------------------------------------------------------------------


async def reconvene_time(
    s: AsyncSession, circle: Circle, graduated: datetime, months: int
) -> tuple[datetime, datetime | None]:
    """When the reconvening takes place: the circle's first meeting on or after the day
    ``months`` after graduation; if its schedule has none by then (it ended), a meeting of its
    own on the first usual weekday from that day, at the usual local time. Returns (start,
    occurrence key); the key is None when the circle has no schedule (then it is the local hour
    of graduation on that day, and the invitation is all there is)."""
    loaded = await schedules.load(s, circle.id)
    zone = loaded.rule.zone if loaded is not None else ZoneInfo(circle.timezone)
    local = graduated.astimezone(zone)
    day = (local + relativedelta(months=months)).date()
    if loaded is None:
        at = datetime.combine(day, time(local.hour), tzinfo=zone).astimezone(graduated.tzinfo)
        return at, None
    from_day = schedules.to_utc(datetime.combine(day, time()), zone)
    found = schedules.occurrences(
        loaded.rule, loaded.exceptions, from_day, from_day + timedelta(days=62)
    )
    if found:
        return found[0].start, found[0].key
    usual = loaded.rule.first_local
    first = schedules.first_weekday(day, schedules.DAYS[usual.weekday()])
    at = schedules.to_utc(datetime.combine(first, usual.time()), zone)
    return at, at


async def schedule_reconvening(sc: Scope, circle: Circle, now: datetime) -> datetime:
    """The reconvening as a real meeting on the schedule (so ``schedule show``, ``info``, the
    .ics, reminders and RSVPs have it), and rows that invite the people in the circle now (and
    the mentor) a week before."""
    s = sc.session
    months = sc.core.settings.file.stages.reconvene_months
    at, key = await reconvene_time(s, circle, now, months)
    if key is not None:
        loaded = await schedules.need(s, circle)
        if not schedules.is_instance(loaded.rule, key) and key not in loaded.exceptions:
            # A meeting of its own: an occurrence "moved" to where it already is.
            local = schedules.to_local(key, loaded.rule.zone)
            occ = schedules.Occurrence(key, key, local)
            await schedules.set_exception(s, circle.id, occ, key)
        circle.reconvene_at = key
    due = max(at - RECONVENE_NOTICE, now)
    people = [m.user_id for m in await repos.memberships(s, circle.id)]
    for user in people:
        kind = kinds.of(kinds.RECONVENE, user)[:48]
        await ledger.enqueue(s, circle.id, at, kind, due, target_id=user)
    if circle.channel_id:
        await ledger.enqueue(s, circle.id, at, kinds.of(kinds.RECONVENE, "channel"), due)
    await reminders.changed(sc, circle, "circle.reconvene", at.date().isoformat())
    return at


async def cancel_reconvening(sc: Scope, circle: Circle) -> None:
    """Going back from graduation: no invitations, and a reconvening meeting of its own goes
    off the schedule (a regular meeting it fell on stays)."""
    await ledger.cancel(sc.session, circle.id, kind_prefix=kinds.RECONVENE)
    key = circle.reconvene_at
    circle.reconvene_at = None
    if key is not None:
        row = await repos.schedules.exception(sc.session, circle.id, key)
        if row is not None and row.moved_to == key:
            await sc.session.delete(row)
        await reminders.changed(sc, circle, "circle.reconvene.cancel")


async def send_reconvening(job: Job) -> DeliveryStatus:
    """``reconvene:<person>`` / ``reconvene:channel``: the invitation to the reconvening."""
    core, row = job.core, job.delivery
    async with core.sessions() as s:
        circle = await s.get(Circle, row.circle_id)
        if circle is None or await stages.current(s, circle.id) != Stage.GRADUATED:
            return DeliveryStatus.SKIPPED
        mentor = await mentor_of(s, circle.id)
    port: ChatPort = core.port(circle.platform)
    when = port.format_time(row.occurrence, ZoneInfo(circle.timezone), circle.language)
    if job.kind_detail == "channel":
        if not circle.channel_id:
            return DeliveryStatus.SKIPPED
        channel = circle.channel_id
        text = translate(
            N_(
                "{circle} reconvenes on {when} to look back together on the months since "
                "graduation. A leader can let the mentor in for it with /circle mentor invite."
            ),
            circle.language,
            circle=circle.name,
            when=when,
        )
        await job.once(
            "channel",
            lambda key: port.post(circle.workspace_id, channel, Message(text), key=key),
        )
        return DeliveryStatus.SENT
    user = row.target_id
    if user is None:
        return DeliveryStatus.SKIPPED  # the person asked to be forgotten
    if user == mentor:
        msg = N_(
            "{circle}, which graduated months ago, reconvenes on {when}. A leader can invite "
            "you into the channel for it."
        )
    else:
        msg = N_(
            "{circle} reconvenes on {when}: a meeting for everyone who was in the circle at "
            "its graduation, to look back together."
        )
    text = translate(msg, circle.language, circle=circle.name, when=when)
    await job.once(
        user,
        lambda key: notices.dm_or_notice(
            job.core,
            port,
            circle.workspace_id,
            user,
            Message(text),
            key=key,
            retry=job.retry,
            circle=circle,
        ),
    )
    return DeliveryStatus.SENT


async def active_mentors(s: AsyncSession, circle_id: int) -> list[Membership]:
    return [m for m in await repos.memberships(s, circle_id) if m.role == Role.MENTOR]
