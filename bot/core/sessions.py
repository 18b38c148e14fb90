"""The circle format in chat: opening bell, rounds with a talking piece and a per-person timer,
closing bell, and the meeting recorded (who ran it, who took part) when it ends.

A session starts with who is here: the opening bell carries an "I'm here" button, the list
starts with those who said yes (and the leader who rang the bell), and a leader corrects it
(``session here @a @b``) and begins the rounds. Only people on the list get turns, and the
meeting records exactly them; ``attendance`` corrects it afterwards. Done/Pass buttons carry
their turn, so a button of an earlier turn answers that the piece has moved on.

Only positions and IDs are kept while a session runs; nothing anyone says is seen or stored.
The per-turn timer is a ledger delivery, so a restart does not lose it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
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
)

log = logging.getLogger(__name__)


def _t(circle: Circle, message: str, **values: object) -> str:
    return translate(message, circle.language, **values)


@dataclass(frozen=True)
class Started:
    run: CircleSession
    present: list[str]
    gathering: bool


async def _seated(sc: Scope, circle: Circle) -> list[str]:
    return [m.user_id for m in await meetings.seated(sc.session, circle.id)]


def _check_people(circle: Circle, seated: Sequence[str], people: Sequence[str]) -> list[str]:
    """The listed people, each once, in order; everyone must hold a seat in the circle."""
    strangers = [p for p in people if p not in seated]
    if strangers:
        raise UserError(
            N_(
                "{people}: not a member of {circle}, so not part of its session. List members "
                "only, like /circle session here @ana @ben."
            ),
            people=", ".join(strangers),
            circle=circle.name,
        )
    return list(dict.fromkeys(people))


async def start(
    sc: Scope,
    circle: Circle,
    m: Membership | None,
    minutes: int,
    rounds: int,
    present: Sequence[str] | None = None,
) -> Started:
    """Ring the opening bell. With ``present`` the rounds begin at once with those people;
    without, the circle gathers: who said yes (and the leader) are here, anyone presses
    "I'm here", and a leader begins the rounds (``session next``) once the list is right."""
    if await repos.sessions.running(sc.session, circle.id):
        raise UserError(
            N_("A session is already running in {circle}. Close it with /circle session end."),
            circle=circle.name,
        )
    seated = await _seated(sc, circle)
    if not seated:
        raise UserError(N_("{circle} has no members yet."), circle=circle.name)
    now = sc.now()
    if present:
        people = _check_people(circle, seated, present)
    else:
        occ = await _occurrence(sc.session, circle, now)
        said_yes = set((await meetings.roster(sc.session, circle, occ)).going)
        people = [u for u in seated if u in said_yes or u == sc.actor]
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
        gathering=not present,
    )
    sc.session.add(run)
    await sc.session.flush()
    await _seat(sc, run, people)
    repos.audit(sc.session, now, circle.id, sc.actor, "session.start")
    if present:
        await _say(
            sc,
            circle,
            N_(
                "Opening bell. The circle begins: {count} here ({people}), {rounds}, about "
                "{minutes} minutes each. One person speaks at a time while everyone listens; "
                "anyone can pass."
            ),
            count=translate_plural("{n} person", "{n} people", len(people), circle.language),
            people=_names(sc, people),
            rounds=translate_plural("{n} round", "{n} rounds", rounds, circle.language),
            minutes=minutes,
        )
        await _turn(sc, circle, run, people)
        return Started(run, people, gathering=False)
    lang = circle.language
    buttons = (
        Button(_t(circle, N_("I'm here")), f"session here circle:#{circle.id}", "primary"),
        Button(_t(circle, N_("Begin the rounds")), f"session next circle:#{circle.id}"),
    )
    await _say(
        sc,
        circle,
        N_(
            "Opening bell. {name} gathers. If you are here, press I'm here (or type /circle "
            "session here). Here so far: {people}. When everyone is here, a leader begins the "
            "rounds ({rounds}, about {minutes} minutes each); a leader corrects the list with "
            "/circle session here @a @b."
        ),
        name=circle.name,
        people=_names(sc, people) or translate(N_("nobody yet"), lang),
        rounds=translate_plural("{n} round", "{n} rounds", rounds, lang),
        minutes=minutes,
        buttons=buttons,
    )
    return Started(run, people, gathering=True)


def _names(sc: Scope, people: Sequence[str]) -> str:
    return ", ".join(sc.port.mention(p) for p in people)


async def _seat(sc: Scope, run: CircleSession, people: Sequence[str]) -> None:
    await repos.sessions.replace_seats(sc.session, run.id, people)


async def _need_run(sc: Scope, circle: Circle) -> CircleSession:
    run = await repos.sessions.running(sc.session, circle.id)
    if run is None:
        raise UserError(
            N_(
                "No session is running in {circle}. A leader starts one with /circle session start."
            ),
            circle=circle.name,
        )
    return run


@dataclass(frozen=True)
class Here:
    present: list[str]
    added: bool
    """The actor marked themself present just now (False: they already were)."""
    holder: str | None
    """Who holds the talking piece after a correction (None while gathering or done)."""


async def here(
    sc: Scope, circle: Circle, m: Membership | None, people: Sequence[str], *, is_organizer: bool
) -> Here:
    """``session here``: I am here (anyone seated); ``session here @a @b``: a leader sets who
    is here. Late arrivals join the end of the speaking order; someone taken off the list loses
    their turn (the piece moves on if they held it)."""
    is_leader = is_organizer or (m is not None and m.role in (Role.LEADER, Role.MENTOR))
    run = await _need_run(sc, circle)
    order = await repos.sessions.seats(sc.session, run.id)
    seated = await _seated(sc, circle)
    if not people:
        if sc.actor not in seated:
            raise UserError(
                N_(
                    "Only members of {circle} take turns in its session; as its mentor you sit "
                    "in without one."
                ),
                circle=circle.name,
            )
        if sc.actor in order:
            return Here(order, False, _holder(run, order))
        order = [*order, sc.actor]
        await _seat(sc, run, order)
        return Here(order, True, _holder(run, order))
    if not is_leader:
        raise UserError(
            N_("Only a leader can say who else is here. To say you are here: /circle session here")
        )
    wanted = _check_people(circle, seated, people)
    kept = [u for u in order if u in wanted]
    new_order = kept + [u for u in wanted if u not in kept]
    old_holder = _holder(run, order)
    if not run.gathering and run.position < len(order):
        run.position = len([u for u in order[: run.position] if u in wanted])
    await _seat(sc, run, new_order)
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, "session.here", detail=str(len(wanted)))
    holder = _holder(run, new_order)
    if not run.gathering and holder != old_holder:
        await ledger.cancel(sc.session, circle.id, kind_prefix=kinds.SESSION_TIMER)
        if holder is None:
            await _last_turn(sc, circle, run, new_order)
        else:
            run.turn_started_at = sc.now()
            await _turn(sc, circle, run, new_order)
    return Here(new_order, False, holder)


def _holder(run: CircleSession, order: Sequence[str]) -> str | None:
    if run.gathering or run.position >= len(order):
        return None
    return order[run.position]


async def _last_turn(
    sc: Scope, circle: Circle, run: CircleSession, order: Sequence[str], *, note: str = ""
) -> None:
    """The rounds are done: the talking piece says so (and offers End session)."""
    run.position = len(order)
    await _show_piece(sc, circle, run, order, note=note)


def turn_token(run: CircleSession) -> str:
    """What a Done/Pass button carries, so a button of an earlier turn acts no more."""
    return f"{run.round}.{run.position}"


@dataclass(frozen=True)
class Advanced:
    holder: str | None
    """Who holds the talking piece now (None when the rounds are done)."""
    began: bool
    """The rounds began just now (the circle was gathering)."""


async def advance(
    sc: Scope,
    circle: Circle,
    m: Membership | None,
    *,
    passing: bool,
    is_organizer: bool,
    turn: str | None = None,
) -> Advanced:
    """Move the talking piece on; while the circle gathers, a leader's ``next`` begins the
    rounds with the people who are here.

    The holder moves it on or passes; a leader, the mentor or an organizer may move it on too.
    ``turn`` comes from a Done/Pass button: a button of an earlier turn changes nothing.
    """
    is_leader = is_organizer or (m is not None and m.role in (Role.LEADER, Role.MENTOR))
    run = await _need_run(sc, circle)
    order = await repos.sessions.seats(sc.session, run.id)
    if run.gathering:
        if passing or not is_leader:
            raise UserError(
                N_(
                    "The rounds have not begun yet. If you are here, press I'm here "
                    "(/circle session here); a leader begins the rounds."
                )
            )
        if not order:
            raise UserError(
                N_(
                    "Nobody is marked present yet. People press I'm here, or a leader lists "
                    "them: /circle session here @a @b"
                )
            )
        run.gathering = False
        run.round, run.position, run.turn_started_at = 1, 0, sc.now()
        await _say(
            sc,
            circle,
            N_(
                "The rounds begin with the {n} people here: {people}. One person speaks at a "
                "time while everyone listens; anyone can pass."
            ),
            n=len(order),
            people=_names(sc, order),
        )
        await _turn(sc, circle, run, order)
        return Advanced(order[0], True)
    holder = _holder(run, order)
    if turn is not None and turn != turn_token(run):
        if holder is None:
            raise UserError(
                N_("That button is from an earlier turn, and the rounds are over. Nothing changed.")
            )
        raise UserError(
            N_(
                "That button is from an earlier turn: the talking piece has moved on and is "
                "with {person} now. Nothing changed."
            ),
            person=sc.port.mention(holder),
        )
    if holder is None:
        raise UserError(
            N_("The rounds are over. A leader closes the circle with /circle session end.")
        )
    if passing and sc.actor != holder:
        raise UserError(N_("Only the person holding the talking piece can pass."))
    if not passing and sc.actor != holder and not is_leader:
        raise UserError(
            N_("Only the person holding the talking piece, or a leader, can move it on.")
        )
    await ledger.cancel(sc.session, circle.id, kind_prefix=kinds.SESSION_TIMER)
    note = ""
    if passing:
        note = _t(circle, N_("{person} passes."), person=sc.port.mention(holder))
    run.position += 1
    if run.position >= len(order):
        if run.round >= run.rounds:
            await _last_turn(sc, circle, run, order, note=note)
            return Advanced(None, False)
        run.round, run.position = run.round + 1, 0
    run.turn_started_at = sc.now()
    await _turn(sc, circle, run, order, note=note)
    return Advanced(order[run.position], False)


async def end(sc: Scope, circle: Circle) -> int:
    """Ring the closing bell and record the meeting with exactly the people who were here.
    Returns how many took part."""
    run = await _need_run(sc, circle)
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
    sc: Scope, circle: Circle, run: CircleSession, order: Sequence[str], *, note: str = ""
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
    order: Sequence[str],
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
    where = f"turn:{turn_token(run)} circle:#{circle.id}"
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
            Button(_t(circle, N_("Done")), f"session next {where}", "success"),
            Button(_t(circle, N_("Pass")), f"session pass {where}"),
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
    order: Sequence[str],
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
