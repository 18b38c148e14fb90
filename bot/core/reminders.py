"""Meeting reminders and scheduled prompts as ledger rows, and the handlers that send them.

``sync`` materialises the deliveries a circle should have from now to the horizon
(``[scheduler] horizon_days``) and brings pending rows in line with the schedule: new rows for new
occurrences, a new due time for a moved meeting, cancelled rows for skipped meetings or dropped
offsets. It runs inside every command that changes a schedule, offsets or prompt schedule (same
transaction) and periodically for all circles (``bot.scheduling``).

Late policy, per kind (the dispatcher may run late after downtime):

* ``reminder:<minutes>`` is still sent while its meeting has not started, saying honestly how
  long is left ("starts in 20 minutes"), and is SKIPPED once the meeting started. When a later
  reminder of the same meeting is due as well, only that later one goes out.
* ``prompt:<kind>`` is posted while its meeting has not started, else SKIPPED.

Reminders reach each member where they asked (``notify``): one post in the circle channel for
everyone who chose ``channel``, a DM for each who chose ``dm``, nothing for ``off``. Every
reminder carries RSVP buttons.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import prompts, schedules, stages
from bot.core.durations import parse_offsets
from bot.core.errors import UserError
from bot.core.ledger import Job, register
from bot.core.runtime import Core
from bot.core.schedules import Loaded, Occurrence
from bot.i18n import N_, translate
from bot.port import Button, ChatPort, Message, PlatformError
from storage.models import (
    Circle,
    Delivery,
    DeliveryStatus,
    Membership,
    Notify,
    Prompt,
    PromptSchedule,
    Role,
    Schedule,
    Stage,
    Status,
)

log = logging.getLogger(__name__)

REMINDER = "reminder"
PROMPT = "prompt"
KINDS = (REMINDER, PROMPT)
LOOKBACK = timedelta(days=15)
"""How far back ``sync`` looks for meetings whose pending rows it must leave alone."""
PERMANENT = {"50007", "not_allowed_token_type", "cannot_dm_bot", "user_not_found"}
"""A recipient the platform will never accept (DMs closed): recorded and passed over."""


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


def _wanted(
    loaded: Loaded,
    offsets: Sequence[timedelta],
    prompt_rows: Sequence[PromptSchedule],
    now: datetime,
    until: datetime,
) -> tuple[
    dict[tuple[datetime, str], datetime], set[tuple[datetime, str]], dict[datetime, Occurrence]
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
    cstmt = select(Circle.id, Circle.reminder_offsets)
    pstmt = select(PromptSchedule)
    if ids is not None:
        cstmt = cstmt.where(Circle.id.in_(ids))
        pstmt = pstmt.where(PromptSchedule.circle_id.in_(ids))
    offsets = {cid: offsets_of(text) for cid, text in (await s.execute(cstmt)).all()}
    loaded = await schedules.load_many(s, ids)
    prompt_rows: dict[int, list[PromptSchedule]] = {}
    for p in (await s.execute(pstmt)).scalars():
        prompt_rows.setdefault(p.circle_id, []).append(p)

    want: dict[tuple[int, datetime, str], datetime] = {}
    superseded: set[tuple[int, datetime, str]] = set()
    near: dict[tuple[int, datetime], Occurrence] = {}
    for cid, sched in loaded.items():
        if cid not in offsets:
            continue
        w, late, n = _wanted(sched, offsets[cid], prompt_rows.get(cid, []), now, until)
        want.update({(cid, k, kind): due for (k, kind), due in w.items()})
        superseded.update((cid, k, kind) for k, kind in late)
        near.update({(cid, k): o for k, o in n.items()})

    ours = or_(*(Delivery.kind.startswith(k + ":") for k in KINDS))
    lowest = min((k[1] for k in want), default=now)
    estmt = select(
        Delivery.id,
        Delivery.circle_id,
        Delivery.occurrence,
        Delivery.kind,
        Delivery.status,
        Delivery.due_at,
        Delivery.lease_owner,
    ).where(
        ours,
        or_(
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.CANCELLED]),
            Delivery.occurrence >= lowest,
        ),
    )
    if ids is not None:
        estmt = estmt.where(Delivery.circle_id.in_(ids))
    existing = (await s.execute(estmt)).all()

    moved: list[dict[str, Any]] = []
    revive: list[dict[str, Any]] = []
    cancel: list[int] = []
    seen: set[tuple[int, datetime, str]] = set()
    for rid, cid, occ_key, kind, status, due_at, lease_owner in existing:
        key = (cid, occ_key, kind)
        seen.add(key)
        target = want.get(key)
        if target is not None:
            if status == DeliveryStatus.CANCELLED:
                revive.append({"rid": rid, "due": target})
            elif status == DeliveryStatus.PENDING and lease_owner is None and due_at != target:
                moved.append({"rid": rid, "due": target})
            continue
        if status != DeliveryStatus.PENDING or lease_owner is not None or key in superseded:
            continue
        occ = near.get((cid, occ_key))
        if occ is not None and not occ.skipped and occ.start <= now:
            continue  # the meeting began: the dispatcher records it as skipped
        if occ is None and occ_key >= until and cid in loaded:
            continue  # beyond the horizon: looked at again when the horizon gets there
        cancel.append(rid)

    new = [
        {
            "circle_id": cid,
            "occurrence": occ_key,
            "kind": kind,
            "due_at": due,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
        }
        for (cid, occ_key, kind), due in want.items()
        if (cid, occ_key, kind) not in seen
    ]
    await _insert_missing(s, new)
    pending = Delivery.status == DeliveryStatus.PENDING
    table = cast(Table, Delivery.__table__)
    if moved:
        await s.execute(
            update(table)
            .where(table.c.id == bindparam("rid"), pending, table.c.lease_owner.is_(None))
            .values(due_at=bindparam("due")),
            moved,
        )
    if revive:
        await s.execute(
            update(table)
            .where(table.c.id == bindparam("rid"), table.c.status == DeliveryStatus.CANCELLED)
            .values(
                due_at=bindparam("due"),
                status=DeliveryStatus.PENDING,
                lease_owner=None,
                lease_until=None,
                finished_at=None,
                error_code=None,
            )
            .execution_options(synchronize_session=False),
            revive,
        )
    for chunk in _chunks(cancel, 500):
        await s.execute(
            update(Delivery)
            .where(Delivery.id.in_(chunk), pending, Delivery.lease_owner.is_(None))
            .values(status=DeliveryStatus.CANCELLED, finished_at=now)
            .execution_options(synchronize_session=False)
        )
    return SyncResult(added=len(new) + len(revive), moved=len(moved), cancelled=len(cancel))


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


async def _insert_missing(s: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert new rows; a row another process added meanwhile is left as it is."""
    if not rows:
        return
    dialect = s.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for chunk in _chunks(rows, 2000 if dialect == "postgresql" else 100):
        stmt = (
            insert(Delivery)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["circle_id", "occurrence", "kind"])
        )
        await s.execute(stmt)


async def sync_circle(s: AsyncSession, core: Core, circle_id: int) -> SyncResult:
    """Materialise one circle right after a change (inside the command's transaction)."""
    await s.flush()
    horizon = timedelta(days=core.settings.file.scheduler.horizon_days)
    return await sync(s, core.clock.now(), horizon, [circle_id])


async def materialise_all(core: Core, chunk: int = 2000) -> SyncResult:
    """The periodic pass: every circle's deliveries up to the horizon, a chunk of circles per
    transaction (short write locks, bounded memory)."""
    horizon = timedelta(days=core.settings.file.scheduler.horizon_days)
    now = core.clock.now()
    async with core.sessions() as s:
        ids = list(
            (await s.execute(select(Schedule.circle_id).order_by(Schedule.circle_id))).scalars()
        )
    added = moved = cancelled = 0
    for part in _chunks(ids, chunk):
        async with core.sessions() as s, s.begin():
            r = await sync(s, now, horizon, part)
        added, moved, cancelled = added + r.added, moved + r.moved, cancelled + r.cancelled
    # Circles without a schedule (any more) keep no pending reminders or prompts.
    async with core.sessions() as s, s.begin():
        orphans = select(Circle.id).where(Circle.id.not_in(select(Schedule.circle_id)))
        result = await s.execute(
            update(Delivery)
            .where(
                Delivery.circle_id.in_(orphans),
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.lease_owner.is_(None),
                or_(*(Delivery.kind.startswith(k + ":") for k in KINDS)),
            )
            .values(status=DeliveryStatus.CANCELLED, finished_at=now)
            .execution_options(synchronize_session=False)
        )
        cancelled += int(getattr(result, "rowcount", 0) or 0)
    log.info("materialised added=%d moved=%d cancelled=%d", added, moved, cancelled)
    return SyncResult(added, moved, cancelled)


# -- wording -----------------------------------------------------------------------------------


def time_left(delta: timedelta, lang: str) -> str:
    """``20 minutes``, ``1 hour``, ``3 hours 15 minutes``, ``2 days``: rounded to the minute."""
    minutes = max(int((delta.total_seconds() + 30) // 60), 0)
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    if days >= 2 or (days and not hours):
        return translate(N_("1 day") if days == 1 else N_("{n} days"), lang, n=days)
    hours += days * 24
    parts = []
    if hours:
        parts.append(translate(N_("1 hour") if hours == 1 else N_("{n} hours"), lang, n=hours))
    if mins or not hours:
        parts.append(translate(N_("1 minute") if mins == 1 else N_("{n} minutes"), lang, n=mins))
    return " ".join(parts)


def local_date(occ: Occurrence, loaded: Loaded) -> date:
    return schedules.to_local(occ.start, loaded.rule.zone).date()


def rsvp_buttons(circle: Circle, day: date, lang: str) -> tuple[Button, ...]:
    where = f"date:{day.isoformat()} circle:#{circle.id}"
    return (
        Button(translate(N_("Yes, I will come"), lang), f"rsvp yes {where}", "primary"),
        Button(translate(N_("No, not this time"), lang), f"rsvp no {where}"),
    )


def reminder_message(
    port: ChatPort, circle: Circle, loaded: Loaded, occ: Occurrence, now: datetime
) -> Message:
    lang, zone = circle.language, loaded.rule.zone
    lines = [
        translate(
            N_("Reminder: {circle} meets {when} (starts in {left})."),
            lang,
            circle=circle.name,
            when=port.format_time(occ.start, zone),
            left=time_left(occ.start - now, lang),
        )
    ]
    if occ.moved:
        lines.append(
            translate(
                N_("This meeting was moved from {original}."),
                lang,
                original=port.format_time(occ.key, zone),
            )
        )
    if loaded.rule.location:
        lines.append(translate(N_("Where: {where}"), lang, where=loaded.rule.location))
    lines.append(
        translate(
            N_("Will you come? Press a button below, or type /circle rsvp yes or /circle rsvp no."),
            lang,
        )
    )
    return Message("\n".join(lines), rsvp_buttons(circle, local_date(occ, loaded), lang))


# -- handlers ------------------------------------------------------------------------------------


def current_occurrence(loaded: Loaded | None, key: datetime) -> Occurrence | None:
    """The occurrence with this original start as the schedule says now (None: gone/skipped)."""
    if loaded is None:
        return None
    if key in loaded.exceptions:
        moved = loaded.exceptions[key]
        if moved is None:
            return None
        return Occurrence(key, moved, schedules.to_local(key, loaded.rule.zone))
    if not schedules.is_instance(loaded.rule, key):
        return None
    return Occurrence(key, key, schedules.to_local(key, loaded.rule.zone))


@dataclass(frozen=True)
class Audience:
    channel: bool
    dms: tuple[str, ...]


async def audience(s: AsyncSession, circle: Circle) -> Audience:
    """Who hears of a meeting: active members and leaders, and a mentor who still sits in."""
    stmt = select(Membership).where(
        Membership.circle_id == circle.id, Membership.status == Status.ACTIVE
    )
    people = list((await s.execute(stmt)).scalars())
    if any(m.role == Role.MENTOR for m in people):
        sits_in = await stages.current(s, circle.id) in (Stage.FACILITATING, Stage.OBSERVING)
        people = [m for m in people if m.role != Role.MENTOR or sits_in]
    channel = circle.channel_id is not None and any(m.notify == Notify.CHANNEL for m in people)
    dms = tuple(sorted(m.user_id for m in people if m.notify == Notify.DM))
    return Audience(channel, dms)


async def _later_reminder_due(s: AsyncSession, d: Delivery, now: datetime) -> bool:
    minutes = int(d.kind.partition(":")[2] or 0)
    stmt = select(Delivery.kind).where(
        Delivery.circle_id == d.circle_id,
        Delivery.occurrence == d.occurrence,
        Delivery.kind.startswith(REMINDER + ":"),
        Delivery.id != d.id,
        Delivery.due_at <= now,
        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENT]),
    )
    return any(int(k.partition(":")[2] or 0) < minutes for k in (await s.execute(stmt)).scalars())


async def send_reminder(job: Job) -> DeliveryStatus:
    d = job.delivery
    async with job.core.sessions() as s:
        circle = await s.get(Circle, d.circle_id)
        loaded = await schedules.load(s, d.circle_id)
        occ = current_occurrence(loaded, d.occurrence)
        if circle is None or loaded is None or occ is None:
            return DeliveryStatus.CANCELLED
        now = job.core.clock.now()
        if occ.start <= now:
            return DeliveryStatus.SKIPPED  # the meeting has started: a reminder is no use now
        if await _later_reminder_due(s, d, now):
            return DeliveryStatus.SKIPPED  # a later reminder of the same meeting says it better
        who = await audience(s, circle)
    port = job.core.port(circle.platform)
    message = reminder_message(port, circle, loaded, occ, now)
    workspace = circle.workspace_id
    if who.channel and circle.channel_id is not None:
        channel = circle.channel_id

        async def post(key: str) -> str | None:
            return await port.post(workspace, channel, message, key=key)

        await job.once(f"channel:{channel}", post)
    for user in who.dms:

        async def dm(key: str, user: str = user) -> str | None:
            try:
                return await port.dm(workspace, user, message, key=key)
            except PlatformError as err:
                if err.code in PERMANENT or err.code.startswith("unsupported:"):
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
        prompt_id, text, minutes = chosen.id, chosen.text, chosen.minutes
    port = job.core.port(circle.platform)
    lang, channel = circle.language, circle.channel_id
    message = Message(
        translate(
            N_("Prompt for the meeting {when} ({kind}, about {minutes} minutes): {text}"),
            lang,
            when=port.format_time(occ.start, loaded.rule.zone),
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


register(REMINDER, send_reminder)
register(PROMPT, send_prompt)


async def set_prompt_schedule(
    s: AsyncSession, circle: Circle, kind: str, before: timedelta | None, now: datetime
) -> None:
    """Post a prompt of ``kind`` ``before`` each meeting; ``None`` stops it."""
    stmt = select(PromptSchedule).where(
        and_(PromptSchedule.circle_id == circle.id, PromptSchedule.kind == kind)
    )
    row = (await s.execute(stmt)).scalar_one_or_none()
    if before is None:
        if row is not None:
            await s.delete(row)
        return
    minutes = int(before.total_seconds() // 60)
    if row is None:
        s.add(
            PromptSchedule(circle_id=circle.id, kind=kind, before_minutes=minutes, updated_at=now)
        )
    else:
        row.before_minutes, row.updated_at = minutes, now


async def prompt_schedules(s: AsyncSession, circle_id: int) -> Sequence[PromptSchedule]:
    stmt = (
        select(PromptSchedule)
        .where(PromptSchedule.circle_id == circle_id)
        .order_by(PromptSchedule.kind)
    )
    return (await s.execute(stmt)).scalars().all()
