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
from zoneinfo import available_timezones

from sqlalchemy.ext.asyncio import AsyncSession

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


COMMON_ZONES = (
    "America/Los_Angeles",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/New_York",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "America/Argentina/Buenos_Aires",
    "America/Sao_Paulo",
    "America/Toronto",
    "America/Vancouver",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Rome",
    "Europe/Athens",
    "Europe/Istanbul",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Africa/Johannesburg",
    "Asia/Kolkata",
    "Asia/Manila",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
)
"""Offered first when a new circle's zone is asked for (Slack's select, Discord's suggestions);
any IANA zone can be typed."""


def all_zones() -> list[str]:
    """Every IANA zone this system knows, the common ones first (Discord autocompletes them)."""
    rest = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [*COMMON_ZONES, *(z for z in rest if z not in COMMON_ZONES)]


def asks_for_timezone(sc: Scope, timezone: str | None) -> bool:
    """A new circle needs its zone said when none was given and the deployment has no default
    (``[circles] timezone`` unset): meeting at 19:00 UTC by accident helps nobody."""
    return not timezone and sc.core.settings.file.circles.timezone is None


def channel_name(prefix: str, name: str) -> str:
    """``Círculo de los martes`` → ``circle-circulo-de-los-martes``: accents folded, so a
    Spanish name keeps its letters on platforms that allow only a-z in channel names."""
    plain = unicodedata.normalize("NFKD", name.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    return (prefix + slug)[:90]


ZONE_QUESTION = N_(
    'Which time zone does "{name}" meet in? Add timezone:ZONE to the command, like '
    "timezone:America/Los_Angeles or timezone:Europe/Madrid (timezone:UTC if it really is UTC). "
    "Nothing was created yet."
)


async def create(sc: Scope, spec: NewCircle) -> Circle:
    """A circle with its private channel, ground rules posted and pinned, and its stage plan."""
    d = sc.core.settings.file.circles
    max_size = spec.max_size or max(d.max_size, spec.min_size or 0)
    min_size = spec.min_size or min(d.min_size, max_size)
    if asks_for_timezone(sc, spec.timezone):
        raise UserError(ZONE_QUESTION, name=spec.name)
    timezone = spec.timezone or d.timezone or "UTC"
    language = spec.language or d.language
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
            await tell_role(sc, circle, user, role)
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
                        "{circle} is full for now, so you are on its waitlist (place {place}). "
                        "You will get a message here as soon as a seat frees up."
                    ),
                    circle.language,
                    circle=circle.name,
                    place=await waitlist_place(sc, circle, user),
                )
            ),
        )
        return Added.WAITLISTED
    await welcome(sc, circle, m)
    return Added.ADDED


@dataclass(frozen=True)
class Addition:
    outcome: Added
    place: int
    """The person's place on the waitlist (0 unless waitlisted)."""


async def add_person(sc: Scope, circle: Circle, user: str, role: Role) -> Addition:
    """``add``: ``add``, and where on the waitlist the person now is."""
    outcome = await add(sc, circle, user, role)
    return Addition(outcome, await waitlist_place(sc, circle, user))


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
    await _tell_removal(sc, circle, user, action)
    return await promote_waitlisted(sc, circle) if held_seat else None


async def leaders_of(sc: Scope, circle: Circle) -> list[str]:
    return [
        m.user_id for m in await repos.memberships(sc.session, circle.id) if m.role == Role.LEADER
    ]


async def _tell_removal(sc: Scope, circle: Circle, user: str, action: str) -> None:
    """Nobody changes silently: a removed person hears it kindly; when someone leaves (or is
    moved to another circle), the leaders hear it."""
    lang = circle.language
    if action == "member.remove" and user != sc.actor:
        text = N_(
            "You are no longer part of {circle}: a leader took you out of the circle. Thank you "
            "for the time you shared. If you want to talk about it, reply to a leader; support "
            "lines: /circle resources. To delete what the bot stored about you: /circle forget-me."
        )
        await notices.tell(sc, user, Message(translate(text, lang, circle=circle.name)))
    if action in ("member.leave", "member.transfer"):
        for leader in await leaders_of(sc, circle):
            if leader != sc.actor:
                await notices.tell(
                    sc,
                    leader,
                    Message(
                        translate(
                            N_("{person} has left {circle}.")
                            if action == "member.leave"
                            else N_("{person} moved from {circle} to another circle."),
                            lang,
                            person=sc.port.mention(user),
                            circle=circle.name,
                        )
                    ),
                )


ROLE_NOTES = {
    Role.LEADER: N_(
        "You are now a leader of {circle}: you can post prompts, set the schedule, run the "
        "sessions and manage membership. /circle help shows the commands."
    ),
    Role.MEMBER: N_("You are now a member of {circle} (no longer one of its leaders)."),
    Role.MENTOR: N_(
        "You are now the mentor of {circle}. /circle mentor status shows how it is doing."
    ),
}


async def tell_role(sc: Scope, circle: Circle, user: str, role: Role) -> None:
    """A person whose role changed is told, in the circle's language."""
    if user != sc.actor:
        text = translate(ROLE_NOTES[role], circle.language, circle=circle.name)
        await notices.tell(sc, user, Message(text), circle=circle)


async def waitlist_place(sc: Scope, circle: Circle, user: str) -> int:
    """1 for the first person waiting; 0 when the person is not on the waitlist."""
    waiting = [m.user_id for m in await repos.memberships(sc.session, circle.id, Status.WAITLISTED)]
    return waiting.index(user) + 1 if user in waiting else 0


@dataclass(frozen=True)
class Waiting:
    """A circle the person waits for: on its waitlist (``place``) or asked to join (0)."""

    circle: str
    place: int
    circle_id: int = 0


WAITING_MAY = frozenset({"leave"})
"""What a waitlisted or pending person may run on the circle they wait for (leave: stop
waiting); commands for anyone (help, resources, privacy, export, forget-me) work anyway."""


async def waiting_for(s: AsyncSession, platform: str, workspace: str, user: str) -> list[Waiting]:
    """The circles where the person is waitlisted or asked to join, so a command of theirs
    can say so instead of asking "Which circle?"."""
    out = []
    for c, m in await repos.circles.waiting_memberships(s, platform, workspace, user):
        if m.status == Status.WAITLISTED:
            waiting = [w.user_id for w in await repos.memberships(s, c.id, Status.WAITLISTED)]
            out.append(Waiting(c.name, waiting.index(user) + 1, c.id))
        else:
            out.append(Waiting(c.name, 0, c.id))
    return out


def waiting_error(found: Sequence[Waiting]) -> UserError:
    """What a waiting person's command says when they are in no circle yet."""
    w = found[0]
    if w.place:
        return UserError(
            N_(
                "You are on the waitlist of {circle} (place {place}). You will get a message "
                "as soon as a seat frees up. To stop waiting: /circle leave."
            ),
            circle=w.circle,
            place=w.place,
        )
    return UserError(
        N_(
            "You asked to join {circle}; a leader will answer soon. Until then, /circle "
            "resources and /circle help are there for you; /circle leave withdraws the request."
        ),
        circle=w.circle,
    )


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
    lang = circle.language
    for leader in await leaders_of(sc, circle):
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
                    Button(
                        translate(N_("Decline"), lang),
                        f"manage decline {sc.port.mention(sc.actor)} circle:#{circle.id}",
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
    paused_until: datetime | None = None
    reconvening: datetime | None = None
    archived: bool = False


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
    loaded = await schedules.load(s, circle.id)
    again = schedules.reconvening(loaded, circle, sc.now()) if loaded is not None else None
    paused = circle.paused_until
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
        paused_until=paused if paused is not None and paused > sc.now() else None,
        reconvening=again.start if again is not None else None,
        archived=circle.archived_at is not None,
    )


async def roles_here(sc: Scope) -> Sequence[Membership]:
    """The actor's active memberships in every circle of this workspace."""
    return await repos.active_roles(sc.session, sc.platform, sc.workspace, sc.actor)
