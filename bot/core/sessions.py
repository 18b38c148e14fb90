"""The circle format in chat: opening bell, rounds with a talking piece and a per-person timer,
closing bell, and the meeting recorded (who ran it, who took part) when it ends.

Only positions and IDs are kept while a session runs; nothing anyone says is seen or stored.
The per-turn timer is a ledger delivery, so a restart does not lose it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import kinds, ledger, meetings, schedules
from bot.core.errors import UserError
from bot.core.schedules import Occurrence
from bot.core.scope import Scope
from bot.i18n import N_, translate, translate_plural
from bot.port import Button, Confirm, Field, Message, PlatformError, card
from storage import repos
from storage.models import (
    Circle,
    CircleSession,
    DeliveryStatus,
    Membership,
    Role,
    SessionSeat,
)

log = logging.getLogger(__name__)


def _t(circle: Circle, message: str, **values: object) -> str:
    return translate(message, circle.language, **values)


async def start(
    sc: Scope, circle: Circle, m: Membership | None, minutes: int, rounds: int
) -> CircleSession:
    """Ring the opening bell and hand the talking piece to the first person."""
    if await repos.sessions.running(sc.session, circle.id):
        raise UserError(
            N_("A session is already running in {circle}. Close it with /circle session end."),
            circle=circle.name,
        )
    people = [
        x.user_id
        for x in await repos.memberships(sc.session, circle.id)
        if x.role in (Role.MEMBER, Role.LEADER)
    ]
    if not people:
        raise UserError(N_("{circle} has no members yet."), circle=circle.name)
    now = sc.now()
    run = CircleSession(
        circle_id=circle.id,
        started_at=now,
        started_by=sc.actor,
        run_by_role=m.role if m is not None else Role.LEADER,
        minutes=minutes,
        rounds=rounds,
        round=1,
        position=0,
        turn_started_at=now,
    )
    sc.session.add(run)
    await sc.session.flush()
    sc.session.add_all(
        SessionSeat(session_id=run.id, position=i, user_id=u) for i, u in enumerate(people)
    )
    await _say(
        sc,
        circle,
        N_(
            "Opening bell. The circle begins: {people}, {rounds}, about {minutes} minutes each. "
            "One person speaks at a time while everyone listens; anyone can pass."
        ),
        people=translate_plural("{n} person", "{n} people", len(people), circle.language),
        rounds=translate_plural("{n} round", "{n} rounds", rounds, circle.language),
        minutes=minutes,
    )
    await _turn(sc, circle, run, people)
    repos.audit(sc.session, now, circle.id, sc.actor, "session.start")
    return run


async def advance(
    sc: Scope, circle: Circle, m: Membership | None, *, passing: bool, is_organizer: bool
) -> str | None:
    """Move the talking piece on. Returns who holds it now (None when the rounds are done).

    The holder moves it on or passes; a leader, the mentor or an organizer may move it on too.
    """
    is_leader = is_organizer or (m is not None and m.role in (Role.LEADER, Role.MENTOR))
    run = await repos.sessions.running(sc.session, circle.id)
    if run is None:
        raise UserError(
            N_(
                "No session is running in {circle}. A leader starts one with /circle session start."
            ),
            circle=circle.name,
        )
    order = await repos.sessions.seats(sc.session, run.id)
    holder = order[run.position] if run.position < len(order) else None
    if passing and sc.actor != holder:
        raise UserError(N_("Only the person holding the talking piece can pass."))
    if not passing and sc.actor != holder and not is_leader:
        raise UserError(
            N_("Only the person holding the talking piece, or a leader, can move it on.")
        )
    await ledger.cancel(sc.session, circle.id, kind_prefix=kinds.SESSION_TIMER)
    note = ""
    if passing and holder:
        note = _t(circle, N_("{person} passes."), person=sc.port.mention(holder))
    run.position += 1
    if run.position >= len(order):
        if run.round >= run.rounds:
            run.position = len(order)
            await _show_piece(sc, circle, run, order, note=note)
            return None
        run.round, run.position = run.round + 1, 0
    run.turn_started_at = sc.now()
    await _turn(sc, circle, run, order, note=note)
    return order[run.position]


async def end(sc: Scope, circle: Circle) -> int:
    """Ring the closing bell and record the meeting. Returns how many people took part."""
    run = await repos.sessions.running(sc.session, circle.id)
    if run is None:
        raise UserError(N_("No session is running in {circle}."), circle=circle.name)
    order = await repos.sessions.seats(sc.session, run.id)
    await ledger.cancel(sc.session, circle.id, kind_prefix=kinds.SESSION_TIMER)
    occurrence = await _occurrence(sc.session, circle, run.started_at)
    meeting = await meetings.record_attendance(
        sc.session, circle, occurrence, order, sc.now(), run.run_by_role
    )
    meeting.run_by_role = run.run_by_role
    await _show_piece(sc, circle, run, order, ended=True)
    await sc.session.delete(run)
    await _say(
        sc,
        circle,
        N_(
            "Closing bell. Thank you for listening and for sharing. What was said here stays "
            "here. Support between meetings: /circle resources."
        ),
    )
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, "session.end")
    return len(order)


async def _occurrence(s: AsyncSession, circle: Circle, started: datetime) -> Occurrence:
    """The scheduled meeting this session belongs to (within 6 hours), else one of its own."""
    loaded = await schedules.load(s, circle.id)
    if loaded is not None:
        window = timedelta(hours=6)
        near = schedules.occurrences(
            loaded.rule, loaded.exceptions, started - window, started + window
        )
        if near:
            return min(near, key=lambda o: abs(o.start - started))
    local = schedules.to_local(started, schedules.zone_of(circle.timezone))
    return Occurrence(started, started, local)


async def _turn(
    sc: Scope, circle: Circle, run: CircleSession, order: list[str], *, note: str = ""
) -> None:
    holder = order[run.position]
    await _show_piece(sc, circle, run, order, note=note)
    await ledger.enqueue(
        sc.session,
        circle.id,
        run.turn_started_at,
        kinds.of(kinds.SESSION_TIMER, f"{run.round}:{run.position}"),
        run.turn_started_at + timedelta(minutes=run.minutes),
        target_id=holder,
    )


def piece_message(
    sc: Scope,
    circle: Circle,
    run: CircleSession,
    order: list[str],
    *,
    ended: bool = False,
    note: str = "",
) -> Message:
    """The talking piece as one card: the round, who speaks, who is next, and the buttons
    (Done, Pass, and End session, which asks first). Edited in place as the piece moves."""
    lang = circle.language
    end = Button(
        _t(circle, N_("End session")),
        f"session end circle:#{circle.id}",
        "danger",
        Confirm(
            _t(circle, N_("End the session?")),
            _t(circle, N_("This rings the closing bell and records who took part.")),
            _t(circle, N_("End session")),
            _t(circle, N_("Keep going")),
        ),
    )
    title = _t(circle, N_("Talking piece"))
    if ended:
        return card(title, _t(circle, N_("The circle is closed.")))
    if run.position >= len(order):
        last = _t(
            circle,
            N_("That was the last turn. A leader closes the circle with /circle session end."),
        )
        return card(title, "\n".join(x for x in (note, last) if x), buttons=(end,))
    holder = order[run.position]
    following = order[run.position + 1] if run.position + 1 < len(order) else None
    if following is None and run.round < run.rounds:
        following = order[0]
    fields = [
        Field(
            _t(circle, N_("Round")),
            translate(N_("{round} of {rounds}"), lang, round=run.round, rounds=run.rounds),
        ),
        Field(_t(circle, N_("Speaking")), sc.port.mention(holder)),
    ]
    if following is not None:
        fields.append(Field(_t(circle, N_("Up next")), sc.port.mention(following)))
    return card(
        title,
        note,
        fields=tuple(fields),
        footer=_t(
            circle, N_("One person speaks at a time while everyone listens; anyone can pass.")
        ),
        buttons=(
            Button(_t(circle, N_("Done")), f"session next circle:#{circle.id}", "success"),
            Button(_t(circle, N_("Pass")), f"session pass circle:#{circle.id}"),
            end,
        ),
        summary=_t(
            circle,
            N_(
                "Round {round} of {rounds}: the talking piece is with {person} (about {minutes} "
                "minutes). When you are done, press Done; you can also pass."
            ),
            round=run.round,
            rounds=run.rounds,
            person=sc.port.mention(holder),
            minutes=run.minutes,
        ),
    )


async def _show_piece(
    sc: Scope,
    circle: Circle,
    run: CircleSession,
    order: list[str],
    *,
    ended: bool = False,
    note: str = "",
) -> None:
    """One live talking-piece message per session: posted once, then edited; posted anew
    only when the edit is refused (the message was deleted)."""
    if not circle.channel_id:
        return
    message = piece_message(sc, circle, run, order, ended=ended, note=note)
    if run.message_id is not None:
        try:
            await sc.port.edit(sc.workspace, circle.channel_id, run.message_id, message)
            return
        except PlatformError as err:
            log.info("talking piece not edited circle=%s code=%s", circle.id, err.code)
            if ended:
                return
    channel = circle.channel_id
    posted = run.message_id = await sc.port.post(sc.workspace, channel, message)
    # Rolled back (the session did not start after all): its piece must not stay posted.
    sc.effects.undo(
        f"session.piece:{posted}", lambda: sc.port.delete_message(sc.workspace, channel, posted)
    )


async def _say(
    sc: Scope,
    circle: Circle,
    message: str,
    *,
    buttons: tuple[Button, ...] = (),
    **values: object,
) -> None:
    """Post a catalog message, in the circle's language, in the circle's channel."""
    if circle.channel_id:
        text = _t(circle, message, **values)
        await sc.port.post(sc.workspace, circle.channel_id, Message(text, buttons))


async def timer(job: ledger.Job) -> DeliveryStatus:
    """A gentle time note to the person holding the piece, if they still hold it."""
    d = job.delivery
    async with job.core.sessions() as s:
        circle = await s.get(Circle, d.circle_id)
        run = await repos.sessions.running(s, d.circle_id)
        turn = f"{run.round}:{run.position}" if run else None
        if circle is None or run is None or turn != job.kind_detail or not circle.channel_id:
            return DeliveryStatus.SKIPPED
    port = job.core.port(circle.platform)
    holder = d.target_id or ""
    text = _t(
        circle,
        N_(
            "{person}, that is about {minutes} minutes. Finish your thought whenever you are ready."
        ),
        person=port.mention(holder),
        minutes=run.minutes,
    )
    channel = circle.channel_id
    await job.once(
        channel,
        lambda key: port.post(circle.workspace_id, channel, Message(text), key=key),
    )
    return DeliveryStatus.SENT
