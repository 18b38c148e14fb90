"""Meeting reminders and scheduled prompts as ledger rows, and the handlers that send them.

``sync`` materialises the deliveries a circle should have from now to the horizon
(``[scheduler] horizon_days``) and brings pending rows in line with the schedule: new rows for new
occurrences, a new due time for a moved meeting, cancelled rows for skipped meetings or dropped
offsets. Every use case that changes a schedule, offsets or a prompt schedule ends in ``changed``
(sync in the same transaction, then audit); it also runs periodically for all circles
(``bot.scheduling``). ``sync`` is load → ``diff`` (pure) → apply.

Late policy, per kind (the dispatcher may run late after downtime):

* ``reminder:<minutes>`` is still sent while its meeting has not started, saying honestly how
  long is left ("starts in 20 minutes"), and is SKIPPED once the meeting started. When a later
  reminder of the same meeting is due as well, only that later one goes out.
* ``prompt:<kind>`` is posted while its meeting has not started, else SKIPPED.

Reminders reach each member where they asked (``notify``): one post in the circle channel for
everyone who chose ``channel``, a DM for each who chose ``dm``, nothing for ``off`` or for a
meeting the person muted (``notify off date:…``). The channel's post is general; a DM says what
that person answered ("You said you will come") with a button to change it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

# Modules only (no ``from bot.core.schedules import …``): schedules and prompts call ``changed``
# here, so each must be importable first.
from bot.core import events, kinds, notices, prompts, schedules, stages
from bot.core.durations import format_duration, parse_offsets
from bot.core.errors import UserError
from bot.core.ledger import Job
from bot.core.runtime import Core
from bot.core.scope import Scope
from bot.i18n import N_, format_span, translate
from bot.port import Button, ChatPort, ErrorKind, Field, Message, PlatformError, card
from storage import repos
from storage.models import (
    Circle,
    DeliveryStatus,
    Membership,
    Notify,
    Prompt,
    PromptSchedule,
    Role,
    Stage,
)

log = logging.getLogger(__name__)

REMINDER = kinds.REMINDER
PROMPT = kinds.PROMPT
KINDS = (REMINDER, PROMPT)
LOOKBACK = timedelta(days=15)
"""How far back ``sync`` looks for meetings whose pending rows it must leave alone."""
PERMANENT = {ErrorKind.DM_CLOSED, ErrorKind.GONE, ErrorKind.UNSUPPORTED}
"""A recipient the platform will never accept (DMs closed, no such person, cannot DM there):
recorded and passed over."""


def reminder_kind(offset: timedelta) -> str:
    return f"{REMINDER}:{int(offset.total_seconds() // 60)}"


def prompt_kind(kind: str) -> str:
    return f"{PROMPT}:{kind}"


@lru_cache(maxsize=256)
def offsets_of(text: str) -> tuple[timedelta, ...]:
    try:
        return tuple(parse_offsets(text))
    except ValueError:
        return ()


# -- materialising ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    added: int = 0
    moved: int = 0
    cancelled: int = 0


Key = tuple[int, datetime, str]
"""(circle, occurrence key, kind): one ledger row."""


@dataclass
class Wanted:
    """What the schedules ask for: the rows and their due times, the overdue reminders a later
    one replaces (left for the dispatcher to record as skipped), every nearby occurrence, and the
    circles that have a schedule."""

    due: dict[Key, datetime] = field(default_factory=dict)
    superseded: set[Key] = field(default_factory=set)
    near: dict[tuple[int, datetime], schedules.Occurrence] = field(default_factory=dict)
    scheduled: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Plan:
    """What ``apply`` writes: new rows (key → due), new due times and revivals (row id → due),
    and rows to cancel."""

    insert: dict[Key, datetime]
    move: dict[int, datetime]
    revive: dict[int, datetime]
    cancel: list[int]


def _wanted(
    loaded: schedules.Loaded,
    offsets: Sequence[timedelta],
    prompt_rows: Sequence[PromptSchedule],
    now: datetime,
    until: datetime,
) -> tuple[
    dict[tuple[datetime, str], datetime],
    set[tuple[datetime, str]],
    dict[datetime, schedules.Occurrence],
]:
    """(occurrence key, kind) → due time; the overdue reminders a later one replaces (left for
    the dispatcher to record as skipped); and every nearby occurrence by key."""
    near = schedules.occurrences(
        loaded.rule, loaded.exceptions, now - LOOKBACK, until, include_skipped=True
    )
    want: dict[tuple[datetime, str], datetime] = {}
    superseded: set[tuple[datetime, str]] = set()
    for occ in near:
        if occ.skipped or occ.start <= now:
            continue
        passed: tuple[datetime, str] | None = None
        for offset in offsets:  # largest first
            due = occ.start - offset
            if due <= now:
                if passed is not None:
                    superseded.add((occ.key, passed[1]))
                passed = (due, reminder_kind(offset))  # keep only the latest one already due
            else:
                want[(occ.key, reminder_kind(offset))] = due
        if passed is not None:
            want[(occ.key, passed[1])] = passed[0]
        for p in prompt_rows:
            want[(occ.key, prompt_kind(p.kind))] = occ.start - timedelta(minutes=p.before_minutes)
    return want, superseded, {o.key: o for o in near}


async def _load(
    s: AsyncSession, now: datetime, until: datetime, ids: list[int] | None
) -> tuple[Wanted, list[repos.deliveries.Row]]:
    """What these circles' schedules want, and the ledger rows they have."""
    offsets = {
        cid: offsets_of(text)
        for cid, text in (await repos.deliveries.reminder_offsets(s, ids)).items()
    }
    loaded = await schedules.load_many(s, ids)
    prompt_rows = await repos.prompts.prompt_schedules_of(s, ids)
    wanted = Wanted(scheduled=set(loaded))
    for cid, sched in loaded.items():
        if cid not in offsets:
            continue
        w, late, n = _wanted(sched, offsets[cid], prompt_rows.get(cid, []), now, until)
        wanted.due.update({(cid, k, kind): due for (k, kind), due in w.items()})
        wanted.superseded.update((cid, k, kind) for k, kind in late)
        wanted.near.update({(cid, k): o for k, o in n.items()})
    lowest = min((k[1] for k in wanted.due), default=now)
    return wanted, await repos.deliveries.open_rows(s, KINDS, lowest, ids)


def diff(
    wanted: Wanted, existing: Sequence[repos.deliveries.Row], now: datetime, until: datetime
) -> Plan:
    """Which rows to insert, move, revive or cancel so the ledger matches ``wanted``. Rows that
    are leased, finished, superseded, of a meeting that began or beyond the horizon stay."""
    move: dict[int, datetime] = {}
    revive: dict[int, datetime] = {}
    cancel: list[int] = []
    seen: set[Key] = set()
    for row in existing:
        key = (row.circle_id, row.occurrence, row.kind)
        seen.add(key)
        target = wanted.due.get(key)
        if target is not None:
            if row.status == DeliveryStatus.CANCELLED:
                revive[row.id] = target
            elif (
                row.status == DeliveryStatus.PENDING
                and row.lease_owner is None
                and row.due_at != target
            ):
                move[row.id] = target
            continue
        if (
            row.status != DeliveryStatus.PENDING
            or row.lease_owner is not None
            or key in wanted.superseded
        ):
            continue
        occ = wanted.near.get((row.circle_id, row.occurrence))
        if occ is not None and not occ.skipped and occ.start <= now:
            continue  # the meeting began: the dispatcher records it as skipped
        if occ is None and row.occurrence >= until and row.circle_id in wanted.scheduled:
            continue  # beyond the horizon: looked at again when the horizon gets there
        cancel.append(row.id)
    insert = {key: due for key, due in wanted.due.items() if key not in seen}
    return Plan(insert, move, revive, cancel)


async def _apply(s: AsyncSession, plan: Plan, now: datetime) -> SyncResult:
    await repos.deliveries.insert_missing(
        s,
        [
            {
                "circle_id": cid,
                "occurrence": occ_key,
                "kind": kind,
                "due_at": due,
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
            }
            for (cid, occ_key, kind), due in plan.insert.items()
        ],
    )
    await repos.deliveries.move_due(s, [{"rid": r, "due": d} for r, d in plan.move.items()])
    await repos.deliveries.revive(s, [{"rid": r, "due": d} for r, d in plan.revive.items()])
    await repos.deliveries.cancel(s, plan.cancel, now)
    return SyncResult(
        added=len(plan.insert) + len(plan.revive), moved=len(plan.move), cancelled=len(plan.cancel)
    )


async def sync(
    s: AsyncSession,
    now: datetime,
    horizon: timedelta,
    circle_ids: Iterable[int] | None = None,
) -> SyncResult:
    """Bring the reminder and prompt rows of these circles (default: all) in line with their
    schedules from ``now`` to ``now + horizon``. Safe to run concurrently in several processes."""
    ids = list(circle_ids) if circle_ids is not None else None
    until = now + horizon
    wanted, existing = await _load(s, now, until, ids)
    return await _apply(s, diff(wanted, existing, now, until), now)


async def changed(sc: Scope, circle: Circle, action: str, detail: str | None = None) -> SyncResult:
    """The one way a change to a schedule, reminder offsets or prompt schedule ends: the
    circle's ledger rows brought in line (same transaction) and the change audited."""
    await sc.session.flush()
    horizon = timedelta(days=sc.core.settings.file.scheduler.horizon_days)
    result = await sync(sc.session, sc.now(), horizon, [circle.id])
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, action, None, detail)
    # The pinned schedule message and (Discord, opt-in) the voice event follow the change.
    await events.publish(sc.port, sc.session, circle, sc.now(), effects=sc.effects)
    return result


async def materialise_all(core: Core, chunk: int = 250) -> SyncResult:
    """The periodic pass: every circle's deliveries up to the horizon, a chunk of circles per
    transaction (short write locks, bounded memory), letting the event loop run between chunks
    so that a command arriving meanwhile is not held up by the whole pass."""
    horizon = timedelta(days=core.settings.file.scheduler.horizon_days)
    now = core.clock.now()
    async with core.sessions() as s:
        ids = await repos.schedules.scheduled_circle_ids(s)
    added = moved = cancelled = 0
    for part in repos.deliveries.chunks(ids, chunk):
        async with core.sessions() as s, s.begin():
            r = await sync(s, now, horizon, part)
        added, moved, cancelled = added + r.added, moved + r.moved, cancelled + r.cancelled
        await asyncio.sleep(0)
    # Circles without a schedule (any more) keep no pending reminders or prompts.
    async with core.sessions() as s, s.begin():
        cancelled += await repos.deliveries.cancel_unscheduled(s, KINDS, now)
    log.info("materialised added=%d moved=%d cancelled=%d", added, moved, cancelled)
    return SyncResult(added, moved, cancelled)


# -- reminder offsets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OffsetsSet:
    offsets: tuple[timedelta, ...]


OFF_WORDS = ("off", "none", "no")


async def set_offsets(sc: Scope, circle: Circle, text: str) -> OffsetsSet:
    """``reminders set 24h,1h``: when reminders go out before each meeting; ``reminders set
    off``: none at all (scheduled prompts still go out)."""
    if text.strip().lower() in OFF_WORDS:
        circle.reminder_offsets = ""
        await changed(sc, circle, "reminders.off")
        return OffsetsSet(())
    try:
        parsed = tuple(parse_offsets(text))
    except ValueError:
        raise UserError(
            N_(
                'offsets: "{text}" is not a list of durations. Use numbers with m, h or d, '
                "between 1m and 14d, at most 5, like /circle reminders set 24h,1h"
            ),
            text=text,
        ) from None
    circle.reminder_offsets = ",".join(format_duration(o) for o in parsed)
    await changed(sc, circle, "reminders.set")
    return OffsetsSet(parsed)


@dataclass(frozen=True)
class RemindersView:
    """``reminders show``: when they go out, where the asker gets them, and the next ones."""

    offsets: tuple[timedelta, ...]
    notify: Notify | None
    next_meeting: schedules.Occurrence | None
    zone: str
    due: list[datetime]
    """When the next meeting's reminders go out (those still ahead)."""
    muted: bool
    """The asker asked for no reminders for the next meeting."""


async def show(sc: Scope, circle: Circle) -> RemindersView:
    offsets = offsets_of(circle.reminder_offsets)
    m = await repos.membership(sc.session, circle.id, sc.actor)
    loaded = await schedules.load(sc.session, circle.id)
    nxt = schedules.upcoming(loaded, sc.now(), 1) if loaded is not None else []
    occ = nxt[0] if nxt else None
    due = sorted(occ.start - o for o in offsets if occ.start - o > sc.now()) if occ else []
    muted = occ is not None and sc.actor in await repos.meetings.muted(
        sc.session, circle.id, occ.key
    )
    return RemindersView(
        offsets,
        Notify(m.notify) if m is not None else None,
        occ,
        loaded.rule.zone.key if loaded is not None else circle.timezone,
        due,
        muted,
    )


async def set_notify(sc: Scope, circle: Circle, where: Notify) -> Notify:
    """``notify dm|channel|off``: where this member's reminders reach them."""
    m = await repos.membership(sc.session, circle.id, sc.actor)
    if m is None:
        raise UserError(N_("Only members of {circle} get its reminders."), circle=circle.name)
    m.notify = where
    return where


# -- wording -----------------------------------------------------------------------------------


def time_left(delta: timedelta, lang: str) -> str:
    """``20 minutes``, ``1 hour``, ``3 hours 15 minutes``, ``2 days``: rounded to the minute."""
    minutes = max(int((delta.total_seconds() + 30) // 60), 0)
    return format_span(timedelta(minutes=minutes), lang)


def local_date(occ: schedules.Occurrence, loaded: schedules.Loaded) -> date:
    return schedules.to_local(occ.start, loaded.rule.zone).date()


def rsvp_buttons(circle: Circle, day: date, lang: str) -> tuple[Button, ...]:
    where = f"date:{day.isoformat()} circle:#{circle.id}"
    return (
        Button(translate(N_("Yes, I will come"), lang), f"rsvp yes {where}", "success"),
        Button(translate(N_("No, not this time"), lang), f"rsvp no {where}"),
        Button(translate(N_("Maybe"), lang), f"rsvp maybe {where}"),
    )


ANSWER_LINES = {
    None: N_("Will you come? Press a button below, or type /circle rsvp yes, no or maybe."),
    "yes": N_("You said you will come. If that changes, press the button below."),
    "no": N_("You said you cannot come this time. If that changes, press the button below."),
    "maybe": N_("You said maybe. Will you come? Press a button below when you know."),
}
"""The reminder's last line for someone who answered this way (None: not yet, or the channel)."""


def _answer_buttons(circle: Circle, day: date, lang: str, answer: str | None) -> tuple[Button, ...]:
    yes, no, maybe = rsvp_buttons(circle, day, lang)
    where = f"date:{day.isoformat()} circle:#{circle.id}"
    if answer == "yes":
        return (Button(translate(N_("I cannot come after all"), lang), f"rsvp no {where}"),)
    if answer == "no":
        return (
            Button(translate(N_("I can come after all"), lang), f"rsvp yes {where}", "primary"),
        )
    if answer == "maybe":
        return (yes, no)
    return (yes, no, maybe)


def reminder_message(
    port: ChatPort,
    circle: Circle,
    loaded: schedules.Loaded,
    occ: schedules.Occurrence,
    now: datetime,
    answers: Mapping[str, str] | None = None,
    *,
    reader: str | None = None,
) -> Message:
    """The reminder as a card: when, where, who is coming (live: edited as people answer, see
    ``refresh``); its ``text`` says all of it for screen readers and the console.

    With a ``reader`` (a DM) it also says what that person answered and offers to change it and
    to stop this meeting's reminders; the channel's stays general."""
    lang, zone = circle.language, loaded.rule.zone
    answers = answers or {}
    summary = translate(
        N_("Reminder: {circle} meets {when} (starts in {left})."),
        lang,
        circle=circle.name,
        when=port.format_time(occ.start, zone, lang),
        left=time_left(occ.start - now, lang),
    )
    fields = [Field(translate(N_("When"), lang), port.format_time(occ.start, zone, lang))]
    if occ.moved:
        fields.append(
            Field(
                translate(N_("Moved"), lang),
                translate(
                    N_("This meeting was moved from {original}."),
                    lang,
                    original=port.format_time(occ.key, zone, lang),
                ),
                inline=False,
            )
        )
    if loaded.rule.location:
        fields.append(Field(translate(N_("Where"), lang), loaded.rule.location))
    going = sorted(u for u, a in answers.items() if a == "yes")
    fields.append(
        Field(
            translate(N_("Coming ({n})"), lang, n=len(going)),
            ", ".join(port.mention(u) for u in going) or translate(N_("Nobody yet"), lang),
            inline=False,
        )
    )
    maybe = sum(1 for a in answers.values() if a == "maybe")
    if maybe:
        fields.append(Field(translate(N_("Maybe"), lang), str(maybe)))
    not_going = sum(1 for a in answers.values() if a == "no")
    if not_going:
        fields.append(Field(translate(N_("Not this time"), lang), str(not_going)))
    body = ""
    if circle.reconvene_at is not None and occ.key == circle.reconvene_at:
        body = translate(
            N_("This is the reconvening: the circle meets to look back together."), lang
        )
    day = local_date(occ, loaded)
    if reader is None:
        footer = translate(ANSWER_LINES[None], lang)
        buttons = rsvp_buttons(circle, day, lang)
    else:
        answer = answers.get(reader)
        footer = translate(ANSWER_LINES[answer], lang)
        mute = Button(
            translate(N_("No reminders for this meeting"), lang),
            f"notify off date:{day.isoformat()} circle:#{circle.id}",
        )
        buttons = (*_answer_buttons(circle, day, lang, answer), mute)
    return card(
        translate(N_("Meeting of {circle}"), lang, circle=circle.name),
        body=body,
        fields=tuple(fields),
        footer=footer,
        buttons=buttons,
        summary=summary,
    )


async def refresh(
    sc: Scope, loaded: schedules.Loaded, circle: Circle, occ: schedules.Occurrence
) -> int:
    """After an RSVP: the meeting's reminders already sent (the newest in the channel and in
    each DM) are edited in place with the new counts, instead of posting again. Each keeps the
    "starts in" it said when it went out. A refused edit is logged and passed over: the RSVP
    itself stands. Returns how many messages were edited."""
    sent = await repos.deliveries.latest_sent(sc.session, circle.id, occ.key, REMINDER)
    if not sent:
        return 0
    answers = await repos.meetings.answers(sc.session, circle.id, occ.key)
    # Someone who left since keeps the reminder as it was: they are not told who comes now.
    members = {m.user_id for m in await repos.memberships(sc.session, circle.id)}
    edited = 0
    for receipt in sent:
        if not receipt.recipient.startswith("channel:") and receipt.recipient not in members:
            continue
        reader = None if receipt.recipient.startswith("channel:") else receipt.recipient
        message = reminder_message(
            sc.port, circle, loaded, occ, receipt.sent_at, answers, reader=reader
        )
        try:
            if receipt.recipient.startswith("channel:"):
                channel = receipt.recipient.partition(":")[2]
                await sc.port.edit(sc.workspace, channel, receipt.message_id, message)
            else:
                await sc.port.edit_dm(sc.workspace, receipt.recipient, receipt.message_id, message)
            edited += 1
        except PlatformError as err:
            log.info("reminder not edited circle=%s code=%s", circle.id, err.code)
    return edited


# -- handlers ------------------------------------------------------------------------------------


def current_occurrence(
    loaded: schedules.Loaded | None, key: datetime
) -> schedules.Occurrence | None:
    """The occurrence with this original start as the schedule says now (None: gone/skipped)."""
    if loaded is None:
        return None
    if key in loaded.exceptions:
        moved = loaded.exceptions[key]
        if moved is None:
            return None
        return schedules.Occurrence(key, moved, schedules.to_local(key, loaded.rule.zone))
    if not schedules.is_instance(loaded.rule, key):
        return None
    return schedules.Occurrence(key, key, schedules.to_local(key, loaded.rule.zone))


@dataclass(frozen=True)
class Audience:
    channel: bool
    dms: tuple[str, ...]


def audience(
    circle: Circle, people: Iterable[Membership], stage: Stage, muted: Iterable[str] = ()
) -> Audience:
    """Who hears of a meeting: active members and leaders, and a mentor who still sits in
    (``stage``); not those who asked for no reminders for this meeting (``muted``)."""
    sits_in = stage in (Stage.FACILITATING, Stage.OBSERVING)
    quiet = set(muted)
    heard = [m for m in people if (m.role != Role.MENTOR or sits_in) and m.user_id not in quiet]
    channel = circle.channel_id is not None and any(m.notify == Notify.CHANNEL for m in heard)
    dms = tuple(sorted(m.user_id for m in heard if m.notify == Notify.DM))
    return Audience(channel, dms)


@dataclass(frozen=True)
class ReminderPlan:
    """What a reminder needs from the database, read for a whole claim at once."""

    circle: Circle
    loaded: schedules.Loaded
    occ: schedules.Occurrence
    who: Audience
    answers: Mapping[str, str]
    siblings: Sequence[repos.deliveries.Sibling]

    def later_reminder_due(self, minutes: int, now: datetime) -> bool:
        """A reminder of the same meeting nearer to it is due too: that one says it better."""
        return any(
            x.due_at <= now and int(x.kind.partition(":")[2] or 0) < minutes for x in self.siblings
        )


async def prepare_reminders(core: Core, jobs: Sequence[Job]) -> None:
    """Read what every reminder of a claim needs in seven queries, not seven per reminder (at
    a burst's rate the per-reminder reads were the dispatcher's limit). A job whose circle,
    schedule or occurrence is gone gets no plan; its handler cancels it."""
    rows = [j.delivery for j in jobs]
    ids = {d.circle_id for d in rows}
    async with core.sessions() as s:
        circles = {c.id: c for c in await repos.circles.circles_by_ids(s, ids)}
        loaded = await schedules.load_many(s, ids)
        meetings = [(d.circle_id, d.occurrence) for d in rows]
        people = await repos.memberships_of(s, ids)
        with_mentor = {c for c, ms in people.items() if any(m.role == Role.MENTOR for m in ms)}
        stage = await stages.current_of(s, with_mentor) if with_mentor else {}
        muted = await repos.meetings.muted_of(s, meetings)
        answers = await repos.meetings.answers_of(s, meetings)
        siblings = await repos.deliveries.siblings_of(s, rows, REMINDER)
    for job in jobs:
        d = job.delivery
        job.ready, job.prepared = True, None
        circle, plan = circles.get(d.circle_id), loaded.get(d.circle_id)
        occ = current_occurrence(plan, d.occurrence)
        if circle is None or plan is None or occ is None:
            continue
        key = (circle.id, occ.key)
        who = audience(
            circle,
            people.get(circle.id, []),
            stage.get(circle.id, Stage.FACILITATING),
            muted.get(key, ()),
        )
        job.prepared = ReminderPlan(
            circle, plan, occ, who, answers.get(key, {}), siblings.get(d.id, [])
        )


async def send_reminder(job: Job) -> DeliveryStatus:
    d = job.delivery
    if not job.ready:  # not prepared with its claim (a job made by hand)
        await prepare_reminders(job.core, [job])
    plan = job.prepared
    if not isinstance(plan, ReminderPlan):
        return DeliveryStatus.CANCELLED
    circle, loaded, occ, who, answers = plan.circle, plan.loaded, plan.occ, plan.who, plan.answers
    now = job.core.clock.now()
    if occ.start <= now:
        return DeliveryStatus.SKIPPED  # the meeting has started: a reminder is no use now
    if plan.later_reminder_due(int(job.kind_detail or 0), now):
        return DeliveryStatus.SKIPPED  # a later reminder of the same meeting says it better
    port = job.core.port(circle.platform)
    message = reminder_message(port, circle, loaded, occ, now, answers)
    workspace = circle.workspace_id
    if who.channel and circle.channel_id is not None:
        channel = circle.channel_id

        async def post(key: str) -> str | None:
            return await port.post(workspace, channel, message, key=key)

        await job.once(f"channel:{channel}", post)
    for user in who.dms:
        mine = reminder_message(port, circle, loaded, occ, now, answers, reader=user)

        async def dm(key: str, user: str = user, mine: Message = mine) -> str | None:
            try:
                return await notices.dm_or_notice(
                    job.core,
                    port,
                    workspace,
                    user,
                    mine,
                    key=key,
                    retry=job.retry,
                    circle=circle,
                )
            except PlatformError as err:
                if err.kind in PERMANENT:
                    log.info("reminder dm refused delivery=%s code=%s", d.id, err.code)
                    return None
                raise

        await job.once(user, dm)
    return DeliveryStatus.SENT


async def send_prompt(job: Job) -> DeliveryStatus:
    d = job.delivery
    kind = job.kind_detail
    async with job.core.sessions() as s:
        circle = await s.get(Circle, d.circle_id)
        loaded = await schedules.load(s, d.circle_id)
        occ = current_occurrence(loaded, d.occurrence)
        if circle is None or loaded is None or occ is None or circle.channel_id is None:
            return DeliveryStatus.CANCELLED
        now = job.core.clock.now()
        if occ.start <= now:
            return DeliveryStatus.SKIPPED
        try:
            # Seeded by the delivery, so a retry picks the same prompt (and the same key).
            chosen = await prompts.pick(s, circle, kind, random.Random(d.id))
        except UserError:  # no prompt of that kind at all
            log.info("scheduled prompt has no candidate delivery=%s", d.id)
            return DeliveryStatus.SKIPPED
        prompt_id, text, minutes = (
            chosen.id,
            prompts.text_in(chosen, circle.language),
            chosen.minutes,
        )
    port = job.core.port(circle.platform)
    lang, channel = circle.language, circle.channel_id
    message = Message(
        translate(
            N_("Prompt for the meeting {when} ({kind}, about {minutes} minutes): {text}"),
            lang,
            when=port.format_time(occ.start, loaded.rule.zone, lang),
            kind=translate(kind, lang),
            minutes=minutes,
            text=text,
        )
    )

    async def post(key: str) -> str | None:
        mid = await port.post(circle.workspace_id, channel, message, key=key)
        async with job.core.sessions() as s2, s2.begin():
            chosen_again = await s2.get(Prompt, prompt_id)
            if chosen_again is not None:
                prompts.record_use(s2, circle, chosen_again, None, job.core.clock.now())
        return mid

    await job.once(f"channel:{channel}", post)
    return DeliveryStatus.SENT
