"""Circles and membership: creation, adding and removing people, the waitlist, join and leave."""

from __future__ import annotations

import contextlib
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core import meetings, mentoring, notices, rules, schedules, stages
from bot.core.errors import UserError
from bot.core.scope import Scope
from bot.i18n import LANGUAGES, N_, translate
from bot.port import Access, Button, Message, PlatformError
from storage import repos
from storage.models import Circle, Membership, Role, Stage, Status

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[\w][\w \-']{1,38}[\w]$")


class Added(StrEnum):
    ADDED = "added"
    WAITLISTED = "waitlisted"
    ROLE_CHANGED = "role_changed"


@dataclass(frozen=True)
class NewCircle:
    """What an organizer asked for; what they left out comes from ``[circles]`` in the config."""

    name: str
    leaders: list[str]
    mentor: str | None
    min_size: int | None = None
    max_size: int | None = None
    timezone: str | None = None
    language: str | None = None


def channel_name(prefix: str, name: str) -> str:
    """``Círculo de los martes`` → ``circle-circulo-de-los-martes``: accents folded, so a
    Spanish name keeps its letters on platforms that allow only a-z in channel names."""
    plain = unicodedata.normalize("NFKD", name.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return (prefix + slug)[:90]


async def create(sc: Scope, spec: NewCircle) -> Circle:
    """A circle with its private channel, ground rules posted and pinned, and its stage plan."""
    d = sc.core.settings.file.circles
    max_size = spec.max_size or max(d.max_size, spec.min_size or 0)
    min_size = spec.min_size or min(d.min_size, max_size)
    timezone, language = spec.timezone or d.timezone, spec.language or d.language
    name = " ".join(spec.name.split())
    if not _NAME.match(name):
        raise UserError(
            N_(
                '"{name}" cannot be a circle name. Use 3 to 40 letters, digits, spaces or '
                'hyphens, like "Tuesday grief circle".'
            ),
            name=name,
        )
    if min_size > max_size:
        raise UserError(
            N_("min_size ({lo}) is larger than max_size ({hi}). Try min_size:5 max_size:7."),
            lo=min_size,
            hi=max_size,
        )
    if language not in LANGUAGES:
        raise UserError(N_("language: choose one of {choices}."), choices=", ".join(LANGUAGES))
    schedules.zone_of(timezone)
    if await repos.circle_by_name(sc.session, sc.platform, sc.workspace, name):
        raise UserError(
            N_('A circle called "{name}" already exists here. Choose another name.'), name=name
        )
    if spec.mentor and spec.mentor in spec.leaders:
        raise UserError(N_("The mentor cannot also be a leader of the same circle."))
    cfg = sc.core.settings.file
    circle = Circle(
        platform=sc.platform,
        workspace_id=sc.workspace,
        name=name,
        name_key=repos.name_key(name),
        min_size=min_size,
        max_size=max_size,
        timezone=timezone,
        language=language,
        reminder_offsets=cfg.circles.reminder_offsets,
        created_at=sc.now(),
        created_by=sc.actor,
    )
    sc.session.add(circle)
    await sc.session.flush()
    sc.session.add_all(stages.plan(circle.id, sc.now(), cfg.stages))
    await mentoring.schedule_nudge(sc.session, circle, sc.now())
    topic = translate(N_("Private channel of the circle {name}."), language, name=name)
    channel = await sc.port.create_private_channel(
        sc.workspace, channel_name(cfg.circles.channel_prefix, name), topic
    )
    circle.channel_id = channel
    try:
        repos.audit(sc.session, sc.now(), circle.id, sc.actor, "circle.create")
        # The default rules are a catalog message: a Spanish circle gets its Spanish rules.
        await rules.publish(sc, circle, translate(cfg.circles.rules, circle.language))
        for leader in spec.leaders:
            await add(sc, circle, leader, Role.LEADER)
        if spec.mentor:
            await add(sc, circle, spec.mentor, Role.MENTOR)
    except BaseException:
        # The transaction rolls back; take the channel away too, so nothing is half-done.
        with contextlib.suppress(Exception):
            await sc.port.remove_channel(sc.workspace, channel)
        raise
    return circle


async def add(sc: Scope, circle: Circle, user: str, role: Role) -> Added:
    """Add or approve someone; past ``max_size`` they wait. Mentors take no seat."""
    m = await repos.membership(sc.session, circle.id, user)
    if m is not None and m.status == Status.ACTIVE:
        if m.role == role:
            raise UserError(
                N_("{person} is already in {circle} as {role}."),
                person=sc.port.mention(user),
                circle=circle.name,
                role=translate(role.value, circle.language),
            )
        if role != Role.MENTOR and m.role != Role.MENTOR:
            m.role = role
            repos.audit(sc.session, sc.now(), circle.id, sc.actor, "member.role", user, role)
            agreed = await rules.agreed_now(sc, circle, user)
            await rules.apply_access(
                sc, circle, m, agreed=agreed, stage=await stages.current(sc.session, circle.id)
            )
            return Added.ROLE_CHANGED
        raise UserError(N_("A mentor cannot also hold a seat in the same circle."))
    if role == Role.MENTOR:
        for other in await repos.memberships(sc.session, circle.id):
            if other.role == Role.MENTOR:
                raise UserError(
                    N_("{circle} already has a mentor ({person})."),
                    circle=circle.name,
                    person=sc.port.mention(other.user_id),
                )
    seats = await repos.seats_taken(sc.session, circle.id)
    full = role != Role.MENTOR and seats >= circle.max_size
    waiting = await repos.memberships(sc.session, circle.id, Status.WAITLISTED)
    if full and len(waiting) >= circle.max_size:
        raise UserError(
            N_(
                "{circle} is full and so is its waitlist ({n} waiting). An organizer can start "
                "another circle with /circle create NAME."
            ),
            circle=circle.name,
            n=circle.max_size,
        )
    status = Status.WAITLISTED if full else Status.ACTIVE
    if m is None:
        m = Membership(circle_id=circle.id, user_id=user, role=role, status=status, since=sc.now())
        sc.session.add(m)
    else:
        m.role, m.status, m.since = role, status, sc.now()
    await sc.session.flush()
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, f"member.{status}", user, role)
    if full:
        await notices.dm(
            sc,
            user,
            Message(
                translate(
                    N_(
                        "{circle} is full for now, so you are on its waitlist. You will get a "
                        "message here as soon as a seat frees up."
                    ),
                    circle.language,
                    circle=circle.name,
                )
            ),
        )
        return Added.WAITLISTED
    await welcome(sc, circle, m)
    return Added.ADDED


async def welcome(sc: Scope, circle: Circle, m: Membership) -> None:
    """Grant view access and ask a new person to read and agree to the ground rules."""
    stage = await stages.current(sc.session, circle.id)
    agreed = await rules.agreed_now(sc, circle, m.user_id)
    await rules.apply_access(sc, circle, m, agreed=agreed, stage=stage)
    if m.role == Role.MENTOR:
        return
    current = await repos.current_rules(sc.session, circle.id)
    lang = circle.language
    text = translate(
        N_(
            "Welcome to {circle}. Please read the ground rules (the button below, or /circle "
            "rules show) and agree to them; then you can post in the circle's channel. Crisis "
            "and support lines: /circle resources."
        ),
        lang,
        circle=circle.name,
    )
    buttons: tuple[Button, ...] = ()
    if current and not agreed:
        read = Button(
            translate(N_("Read the ground rules"), lang), f"rules show circle:#{circle.id}"
        )
        buttons = (read, rules.agree_button(circle, current.version))
    try:
        await notices.dm(sc, m.user_id, Message(text, buttons))
    except PlatformError as err:
        # Not essential: the person can read the pinned rules in the channel they now see.
        log.info("welcome dm refused circle=%s code=%s", circle.id, err.code)


async def remove_by(sc: Scope, circle: Circle, user: str, *, is_organizer: bool) -> str | None:
    """``remove``, as allowed: leaders remove members; only an organizer removes a leader or
    the mentor (so a newly promoted leader cannot push out the others or the mentor)."""
    m = await repos.membership(sc.session, circle.id, user)
    if not is_organizer and m is not None and m.status != Status.LEFT:
        if m.role == Role.MENTOR:
            raise UserError(
                N_(
                    "Only an organizer can remove the mentor of {circle}. If something is "
                    "wrong, tell an organizer."
                ),
                circle=circle.name,
            )
        if m.role == Role.LEADER:
            raise UserError(
                N_(
                    "Only an organizer can remove a leader of {circle}; leaders remove members. "
                    "To step down yourself, use /circle leave."
                ),
                circle=circle.name,
            )
    return await remove(sc, circle, user)


async def remove(
    sc: Scope, circle: Circle, user: str, *, action: str = "member.remove"
) -> str | None:
    """Take someone out; the first person waiting gets the seat. Returns who was promoted."""
    m = await repos.membership(sc.session, circle.id, user)
    if m is None or m.status == Status.LEFT:
        raise UserError(
            N_("{person} is not in {circle}."), person=sc.port.mention(user), circle=circle.name
        )
    held_seat = m.status == Status.ACTIVE and m.role != Role.MENTOR
    m.status, m.since = Status.LEFT, sc.now()
    await rules.set_access(sc, circle, user, Access.NONE)
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, action, user)
    await sc.session.flush()
    return await promote_waitlisted(sc, circle) if held_seat else None


async def promote_waitlisted(sc: Scope, circle: Circle) -> str | None:
    if await repos.seats_taken(sc.session, circle.id) >= circle.max_size:
        return None
    waiting = await repos.memberships(sc.session, circle.id, Status.WAITLISTED)
    if not waiting:
        return None
    first = waiting[0]
    first.status, first.since = Status.ACTIVE, sc.now()
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, "member.promote", first.user_id)
    await sc.session.flush()
    await notices.dm(
        sc,
        first.user_id,
        Message(
            translate(
                N_("A seat opened in {circle}: you are now a member."),
                circle.language,
                circle=circle.name,
            )
        ),
    )
    await welcome(sc, circle, first)
    return first.user_id


async def request_join(sc: Scope, circle: Circle) -> None:
    """A pending request; the circle's leaders get a message with an Approve button."""
    m = await repos.membership(sc.session, circle.id, sc.actor)
    if m is not None and m.status in (Status.ACTIVE, Status.WAITLISTED):
        raise UserError(N_("You are already in {circle} (or on its waitlist)."), circle=circle.name)
    if m is not None and m.status == Status.PENDING:
        raise UserError(
            N_("You already asked to join {circle}; a leader will answer."), circle=circle.name
        )
    if m is None:
        sc.session.add(
            Membership(
                circle_id=circle.id,
                user_id=sc.actor,
                role=Role.MEMBER,
                status=Status.PENDING,
                since=sc.now(),
            )
        )
    else:
        m.role, m.status, m.since = Role.MEMBER, Status.PENDING, sc.now()
    repos.audit(sc.session, sc.now(), circle.id, sc.actor, "member.request")
    await sc.session.flush()
    leaders = [
        m.user_id for m in await repos.memberships(sc.session, circle.id) if m.role == Role.LEADER
    ]
    lang = circle.language
    for leader in leaders:
        await notices.dm(
            sc,
            leader,
            Message(
                translate(
                    N_("{person} asks to join {circle}."),
                    lang,
                    person=sc.port.mention(sc.actor),
                    circle=circle.name,
                ),
                (
                    Button(
                        translate(N_("Approve"), lang),
                        f"add {sc.port.mention(sc.actor)} circle:#{circle.id}",
                        "primary",
                    ),
                ),
            ),
        )


# -- what a circle looks like ----------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """One line of the circle list: figures only."""

    name: str
    seated: int
    max_size: int
    waiting: int
    stage: Stage


@dataclass(frozen=True)
class Summary:
    """A circle at a glance, for its members: who is in it, seats, rules agreed, next meeting."""

    name: str
    leaders: list[str]
    members: list[str]
    mentors: list[str]
    seated: int
    min_size: int
    max_size: int
    waiting: int
    stage: Stage
    rules_version: int
    agreed: int
    timezone: str
    next_meeting: datetime | None
    you_have_not_agreed: bool
    """The asker is in the circle and has not agreed to the current ground rules."""


async def overseen(sc: Scope, is_organizer: bool) -> Sequence[Circle]:
    """Every circle here for an organizer; for anyone else the circles they mentor (at least
    one, or a message saying they mentor none)."""
    if is_organizer:
        return await repos.circles_in(sc.session, sc.platform, sc.workspace)
    found = await repos.circles_of(sc.session, sc.platform, sc.workspace, sc.actor, [Role.MENTOR])
    if not found:
        raise UserError(N_("You do not mentor any circle here."))
    return found


async def listing(sc: Scope, is_organizer: bool) -> list[Listed]:
    """The circles the actor oversees (see ``overseen``), each with its figures."""
    s = sc.session
    return [
        Listed(
            name=c.name,
            seated=await repos.seats_taken(s, c.id),
            max_size=c.max_size,
            waiting=len(await repos.memberships(s, c.id, Status.WAITLISTED)),
            stage=await stages.current(s, c.id),
        )
        for c in await overseen(sc, is_organizer)
    ]


async def info(sc: Scope, circle: Circle, asker: Membership | None) -> Summary:
    """The summary ``/circle info`` shows; ``asker`` is the actor's membership, if any."""
    s = sc.session
    active = await repos.memberships(s, circle.id)
    by_role = {r: [m.user_id for m in active if m.role == r] for r in Role}
    waiting = await repos.memberships(s, circle.id, Status.WAITLISTED)
    current = await repos.current_rules(s, circle.id)
    agreed = await repos.agreed_users(s, circle.id, current.version) if current else set()
    seated = [m for m in active if m.role != Role.MENTOR]
    nxt = await meetings.next_meeting(s, circle.id, sc.now())
    return Summary(
        name=circle.name,
        leaders=by_role[Role.LEADER],
        members=by_role[Role.MEMBER],
        mentors=by_role[Role.MENTOR],
        seated=len(seated),
        min_size=circle.min_size,
        max_size=circle.max_size,
        waiting=len(waiting),
        stage=await stages.current(s, circle.id),
        rules_version=current.version if current else 0,
        agreed=len([m for m in seated if m.user_id in agreed]),
        timezone=circle.timezone,
        next_meeting=nxt.start if nxt else None,
        you_have_not_agreed=not await rules.agreed_now(sc, circle, sc.actor) and asker is not None,
    )


async def roles_here(sc: Scope) -> Sequence[Membership]:
    """The actor's active memberships in every circle of this workspace."""
    return await repos.active_roles(sc.session, sc.platform, sc.workspace, sc.actor)
