"""Recurring meetings: an RFC 5545 RRULE, an IANA zone and the first local start.

Occurrences are computed on the local wall clock (python-dateutil's ``rrule`` over naive local
datetimes), then each one is turned into a UTC instant on its own, so a 19:00 meeting stays at
19:00 local time on both sides of a daylight-saving change.

Local times that a transition makes odd (decided here, documented in the README and tested):

* **A time that does not exist** (spring forward, e.g. 02:30 in Los Angeles on the second Sunday
  of March) is shifted forward by the length of the gap: 02:30 becomes 03:30 PDT; in
  Australia/Lord_Howe, whose gap is 30 minutes, 02:15 becomes 02:45. This is RFC 5545's rule
  (section 3.3.5: "interpreted using the UTC offset before the gap"), so calendars agree with us.
* **A time that occurs twice** (fall back, e.g. 01:30 in Los Angeles on the first Sunday of
  November) means the first of the two instants (the daylight-time one, ``fold=0``), again as
  RFC 5545 says.

Both fall out of ``zoneinfo`` with ``fold=0``; ``to_utc`` is the one place that decides it.

Each occurrence is identified by its *original* UTC start (what the RRULE generates; iCalendar's
RECURRENCE-ID). A ``ScheduleException`` skips one (``moved_to`` null) or moves it; deliveries and
RSVPs keep the original key, so a move carries them along.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, available_timezones

import dateutil.rrule as dr
from sqlalchemy.ext.asyncio import AsyncSession

# Modules only, never ``from … import`` names: reminders and meetings import this module too.
from bot.core import meetings, reminders
from bot.core.errors import UserError
from bot.core.scope import Scope
from bot.i18n import N_, format_day
from bot.port import Message
from storage import repos
from storage.models import Circle, Schedule, ScheduleException

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FORBIDDEN = (
    "BYEASTER",
    "DTSTART",
    "SECONDLY",
    "MINUTELY",
    "HOURLY",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
)
_UNTIL = re.compile(r"UNTIL=(\d{8}(?:T\d{6})?)(Z?)", re.IGNORECASE)
_PERIODIC = re.compile(r"FREQ=(WEEKLY|DAILY)(?:;INTERVAL=(\d+))?(?:;BYDAY=(MO|TU|WE|TH|FR|SA|SU))?")
_SIMPLE = re.compile(r"FREQ=WEEKLY(?:;INTERVAL=(\d+))?;BYDAY=(MO|TU|WE|TH|FR|SA|SU)")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"
SEARCH = timedelta(days=400)
"""How far ahead a date given in a command is looked for."""


_AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian",
          "Pacific")  # fmt: skip
_NOT_ZONES = {"localtime", "factory", "posixrules"}
MAX_ZONE_LENGTH = 64


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Lower-cased IANA name → its spelling. Only the tz database's own names: never the
    server's ``localtime``, ``right/…`` or ``posix/…`` variants, nor a stray file of TZPATH."""
    return {
        z.lower(): z
        for z in available_timezones()
        if z.lower() not in _NOT_ZONES and not z.lower().startswith(("right/", "posix/"))
    }


@lru_cache(maxsize=1)
def _cities() -> dict[str, str]:
    """``los angeles`` → ``America/Los_Angeles``. When two names share a city they are links to
    one zone (``America/Buenos_Aires`` and ``America/Argentina/Buenos_Aires``): the deeper wins."""
    found: dict[str, str] = {}
    for zone in sorted(_zones().values(), key=lambda z: (z.count("/"), z)):
        area, _, city = zone.rpartition("/")
        if area.split("/")[0] in _AREAS:
            found[city.replace("_", " ").lower()] = zone
    return found


def zone_name(typed: str) -> str:
    """The IANA name meant by what someone typed: any case (``america/los_angeles``), spaces for
    underscores, or an unambiguous city (``Los Angeles``, ``madrid``). Anything else is a
    ``UserError`` with the closest names."""
    text = " ".join(typed.split())
    if not text:
        raise UserError(N_("timezone: write an IANA time zone such as Europe/London."))
    if len(text) > MAX_ZONE_LENGTH:
        raise UserError(
            N_(
                "timezone: that is too long for a time zone name. Use an IANA name such as "
                "America/Los_Angeles, Europe/London or Australia/Sydney."
            )
        )
    key = text.replace(" ", "_").lower()
    if key in _NOT_ZONES or key.startswith(("right/", "posix/")):
        raise UserError(
            N_(
                'timezone: "{zone}" is not accepted: it depends on how the server is set up. '
                "Name the circle's own zone, like Europe/London or America/Los_Angeles."
            ),
            zone=text,
        )
    zones = _zones()
    if key in zones:
        return zones[key]
    city = text.replace("_", " ").lower()
    if city in _cities():
        return _cities()[city]
    area = key.rstrip("/")
    if any(a.lower() == area for a in _AREAS):
        examples = [z for z in sorted(zones.values()) if z.lower().startswith(area + "/")][:3]
        raise UserError(
            N_("timezone: {zone} is a region, not a time zone. Add the city, like {examples}."),
            zone=text,
            examples=", ".join(examples),
        )
    cities = _cities()
    close = difflib.get_close_matches(key, list(zones), n=2, cutoff=0.75) or [
        cities[c] for c in difflib.get_close_matches(city, list(cities), n=2, cutoff=0.75)
    ]
    if close:
        raise UserError(
            N_(
                'timezone: "{zone}" is not a time zone I know. Did you mean {close}? '
                "(IANA names look like Europe/London.)"
            ),
            zone=text,
            close=" or ".join(zones.get(c, c) for c in close),
        )
    raise UserError(
        N_(
            'timezone: "{zone}" is not a time zone I know. Use an IANA name such as '
            "America/Los_Angeles, Europe/London or Australia/Sydney."
        ),
        zone=text,
    )


def zone_of(name: str) -> ZoneInfo:
    """The zone for what someone typed or what is stored (see ``zone_name``)."""
    return ZoneInfo(zone_name(name))


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall-clock time as a UTC instant (gap: shift forward; repeat: the first)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    """A UTC instant as naive local wall-clock time."""
    return instant.astimezone(zone).replace(tzinfo=None)


def local_kind(local: datetime, zone: ZoneInfo) -> str:
    """``"normal"``, ``"gap"`` (does not exist) or ``"repeat"`` (occurs twice)."""
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return "normal"
    return "gap" if to_local(first.astimezone(UTC), zone) != local else "repeat"


@dataclass(frozen=True)
class Rule:
    """A schedule as values: the recurrence, its zone, the first local start and the length."""

    rrule: str
    zone: ZoneInfo
    first_local: datetime  # naive wall clock
    duration: timedelta
    location: str | None = None

    @classmethod
    def of(cls, row: Schedule) -> Rule:
        return cls(
            row.rrule,
            ZoneInfo(row.timezone),
            datetime.strptime(row.first_local, LOCAL_FORMAT),  # noqa: DTZ007 (wall clock)
            timedelta(minutes=row.duration_minutes),
            row.location,
        )

    def recurrence(self, near: datetime | None = None) -> dr.rrule:
        """The dateutil rule; ``near`` (local) lets simple rules start iterating close to it."""
        start = self.first_local
        rule = dr.rrulestr(self.rrule, dtstart=start)
        assert isinstance(rule, dr.rrule)
        freq, count = getattr(rule, "_freq", None), getattr(rule, "_count", None)
        if near is not None and count is None and freq in (dr.WEEKLY, dr.DAILY):
            # Skip whole periods: the same instances from ``near`` on, without walking years.
            days = (7 if freq == dr.WEEKLY else 1) * int(getattr(rule, "_interval", 1))
            periods = (near - start) // timedelta(days=days) - 1
            if periods > 0:
                rule = rule.replace(dtstart=start + periods * timedelta(days=days))
        return rule

    @cached_property
    def period(self) -> timedelta | None:
        """For the common rules (every N days, or every N weeks on the first start's weekday)
        the fixed local step between instances; None for anything else."""
        match = _PERIODIC.fullmatch(self.rrule)
        if not match:
            return None
        freq, interval, byday = match[1], int(match[2] or 1), match[3]
        if freq == "DAILY":
            return None if byday else timedelta(days=interval)
        if byday and _ICAL_DAYS.index(byday) != self.first_local.weekday():
            return None
        return timedelta(weeks=interval)

    def local_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Naive local instances in ``[start, end]`` (local wall clock)."""
        step = self.period
        if step is None:
            return list(self.recurrence(start).between(start, end, inc=True))
        first = self.first_local
        k = max(0, -((first - start) // step))  # the first k with first + k * step >= start
        out = []
        at = first + k * step
        while at <= end:
            out.append(at)
            at += step
        return out

    def first_utc(self) -> datetime:
        return to_utc(self.first_local, self.zone)


@dataclass(frozen=True)
class Occurrence:
    key: datetime  # the original start (UTC): identifies the occurrence everywhere
    start: datetime  # when it really starts (UTC): the key, or where it was moved
    local_key: datetime  # the original start on the local wall clock (naive)
    skipped: bool = False

    @property
    def moved(self) -> bool:
        return self.start != self.key


Exceptions = Mapping[datetime, datetime | None]
"""Original UTC start → moved-to instant, or None for a skip."""


def occurrences(
    rule: Rule,
    exceptions: Exceptions,
    start: datetime,
    end: datetime,
    *,
    include_skipped: bool = False,
) -> list[Occurrence]:
    """Occurrences whose real start is in ``[start, end)`` (UTC), in order of start."""
    margin = timedelta(days=2)
    lo, hi = to_local(start, rule.zone) - margin, to_local(end, rule.zone) + margin
    out: dict[datetime, Occurrence] = {}
    for local in rule.local_between(lo, hi):
        key = to_utc(local, rule.zone)
        if key in exceptions:
            moved = exceptions[key]
            if moved is None:
                if include_skipped and start <= key < end:
                    out[key] = Occurrence(key, key, local, skipped=True)
                continue
            if start <= moved < end:
                out[key] = Occurrence(key, moved, local)
        elif start <= key < end:
            out[key] = Occurrence(key, key, local)
    for key, moved in exceptions.items():
        # Moved into the window from outside it.
        if moved is not None and key not in out and start <= moved < end:
            out[key] = Occurrence(key, moved, to_local(key, rule.zone))
    return sorted(out.values(), key=lambda o: (o.start, o.key))


def is_instance(rule: Rule, key: datetime) -> bool:
    """Whether the RRULE generates an occurrence with this original start."""
    local = to_local(key, rule.zone)
    margin = timedelta(days=1)
    return any(
        to_utc(x, rule.zone) == key for x in rule.local_between(local - margin, local + margin)
    )


# -- building rules from what a leader types -----------------------------------------------------


def weekly_rrule(day: str, every_weeks: int) -> str:
    byday = _ICAL_DAYS[DAYS.index(day)]
    interval = f";INTERVAL={every_weeks}" if every_weeks > 1 else ""
    return f"FREQ=WEEKLY{interval};BYDAY={byday}"


def normalise_rrule(text: str, zone: ZoneInfo) -> str:
    """Check a raw RRULE a leader typed and return it in canonical form (or raise UserError)."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    body = body.replace(" ", "").upper()
    bad = next((word for word in _FORBIDDEN if word in body), None)
    if bad is not None or "FREQ=" not in body:
        raise UserError(
            N_(
                'rrule: "{rule}" is not a meeting rule I can use. Give the recurrence only, at '
                "most daily, with the time in time:HH:MM, for example "
                'rrule:"FREQ=MONTHLY;BYDAY=1SA" time:10:00.'
            ),
            rule=text,
        )

    def until_local(match: re.Match[str]) -> str:
        value, utc = match[1], match[2]
        text = value if "T" in value else value + "T235959"
        stamp = datetime.strptime(text, "%Y%m%dT%H%M%S")  # noqa: DTZ007 (wall clock)
        if utc:
            stamp = to_local(stamp.replace(tzinfo=UTC), zone)
        return f"UNTIL={stamp:%Y%m%dT%H%M%S}"

    body = _UNTIL.sub(until_local, body)
    try:
        parsed = dr.rrulestr(body, dtstart=datetime(2000, 1, 1))  # noqa: DTZ001 (wall clock)
    except (ValueError, TypeError, KeyError, IndexError):
        raise UserError(
            N_(
                'rrule: "{rule}" is not a valid RFC 5545 RRULE. For example: '
                'rrule:"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU" time:19:00.'
            ),
            rule=text,
        ) from None
    assert isinstance(parsed, dr.rrule)
    return body


HORIZON_YEARS = 5
"""A rule must have a meeting within this many years of its start."""
_GREGORIAN_CYCLE = timedelta(days=146097)
"""400 years: weekdays, leap years and month lengths repeat exactly."""


def within_horizon(
    rule: dr.rrule, start: datetime, years: int = HORIZON_YEARS
) -> Iterator[datetime]:
    """The rule's instances from ``start`` (its DTSTART) until ``years`` later, in bounded time.

    dateutil looks for a next instance until the year 9999, so a rule that never matches (like
    ``FREQ=DAILY;BYSETPOS=2``) costs seconds of CPU. Moved by whole 400-year cycles to just
    before 9999, every rule (EASTER aside, which is refused) yields the same instances, moved by
    the same amount, and the search stops at 9999: at most about 400 years of steps."""
    end = start + timedelta(days=366 * years)
    shift = _GREGORIAN_CYCLE * ((MAXYEAR - 1 - end.year) // 400)
    until = getattr(rule, "_until", None)
    moved = rule.replace(
        dtstart=getattr(rule, "_dtstart", start) + shift,
        until=until + shift if until is not None else None,
    )
    for x in moved.xafter(start + shift, inc=True):
        real = x - shift
        if real > end:
            return
        yield real


def first_weekday(on_or_after: date, day: str) -> date:
    return on_or_after + timedelta(days=(DAYS.index(day) - on_or_after.weekday()) % 7)


def build_rule(
    *,
    zone: ZoneInfo,
    at: time,
    now: datetime,
    start: date | None,
    day: str | None,
    every_weeks: int,
    raw: str | None,
    duration: int,
    location: str | None,
) -> Rule:
    """The rule for ``schedule set``; its first local start is the first instance on or after
    ``start`` (default: today in the zone) that is not already over."""
    today = to_local(now, zone).date()
    begin = start or today
    if raw:
        text = normalise_rrule(raw, zone)
    elif day:
        text = weekly_rrule(day, every_weeks)
        begin = first_weekday(begin, day)
    else:
        raise UserError(
            N_(
                "Say which day, like /circle schedule set day:tuesday time:19:00 "
                '(or give a rule: rrule:"FREQ=MONTHLY;BYDAY=1SA" time:10:00).'
            )
        )
    probe = Rule(text, zone, datetime.combine(begin, at), timedelta(minutes=duration), location)
    first = next(
        (
            x
            for x in within_horizon(probe.recurrence(), probe.first_local)
            if to_utc(x, zone) + probe.duration > now
        ),
        None,
    )
    if first is None:
        raise UserError(
            N_(
                "That schedule has no meeting in the {years} years from {date}. Check the rule, "
                "or give another start:YYYY-MM-DD."
            ),
            years=HORIZON_YEARS,
            date=begin.isoformat(),
        )
    if raw:
        # Keep dateutil's phase (INTERVAL counts from the first start) by anchoring on it.
        return Rule(text, zone, first, probe.duration, location)
    return Rule(text, zone, first, probe.duration, location)


# -- storage -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    row: Schedule
    rule: Rule
    exceptions: dict[datetime, datetime | None]


async def load(s: AsyncSession, circle_id: int) -> Loaded | None:
    row = await repos.schedules.schedule(s, circle_id)
    if row is None:
        return None
    exc = {e.occurrence: e.moved_to for e in await repos.schedules.exceptions(s, circle_id)}
    return Loaded(row, Rule.of(row), exc)


async def load_many(s: AsyncSession, circle_ids: Iterable[int] | None = None) -> dict[int, Loaded]:
    """Every schedule (or those of ``circle_ids``) with its exceptions, in two queries."""
    rows, exceptions = await repos.schedules.schedules_with_exceptions(s, circle_ids)
    exc: dict[int, dict[datetime, datetime | None]] = {}
    for e in exceptions:
        exc.setdefault(e.circle_id, {})[e.occurrence] = e.moved_to
    return {r.circle_id: Loaded(r, Rule.of(r), exc.get(r.circle_id, {})) for r in rows}


async def need(s: AsyncSession, circle: Circle) -> Loaded:
    """The circle's schedule, or a UserError saying how to set one."""
    loaded = await load(s, circle.id)
    if loaded is None:
        raise UserError(
            N_(
                "{circle} has no meeting schedule yet. A leader can set one with "
                "/circle schedule set day:tuesday time:19:00."
            ),
            circle=circle.name,
        )
    return loaded


async def save(s: AsyncSession, circle: Circle, rule: Rule, now: datetime) -> Schedule:
    """Store the rule; keep skips and moves of occurrences the new rule still has."""
    row = await repos.schedules.schedule(s, circle.id)
    if row is None:
        row = Schedule(circle_id=circle.id)
        s.add(row)
    row.rrule = rule.rrule
    row.timezone = rule.zone.key
    row.first_local = rule.first_local.strftime(LOCAL_FORMAT)
    row.duration_minutes = int(rule.duration.total_seconds() // 60)
    row.location = rule.location
    row.updated_at = now
    for e in await repos.schedules.exceptions(s, circle.id):
        if not is_instance(rule, e.occurrence) and e.occurrence != circle.reconvene_at:
            await s.delete(e)  # (the reconvening may be a meeting of its own: it stays)
    await s.flush()
    return row


def upcoming(
    loaded: Loaded, now: datetime, count: int, *, include_skipped: bool = False
) -> list[Occurrence]:
    """The next ``count`` occurrences that have not started yet."""
    found: list[Occurrence] = []
    window = timedelta(days=35)
    start = now
    while len(found) < count and start < now + SEARCH:
        batch = occurrences(
            loaded.rule,
            loaded.exceptions,
            start,
            start + window,
            include_skipped=include_skipped,
        )
        found.extend(o for o in batch if o.start > now)
        start += window
    return found[:count]


def on_date(
    loaded: Loaded, day: date, now: datetime, *, include_skipped: bool = False
) -> Sequence[Occurrence]:
    """Occurrences whose local date (where they start now, or originally) is ``day``."""
    zone = loaded.rule.zone
    lo = to_utc(datetime.combine(day, time()) - timedelta(days=1), zone)
    hi = to_utc(datetime.combine(day, time()) + timedelta(days=2), zone)
    near = occurrences(loaded.rule, loaded.exceptions, lo, hi, include_skipped=include_skipped)
    hits = [o for o in near if to_local(o.start, zone).date() == day]
    if hits:
        return hits
    # A moved occurrence can also be named by its original date.
    return [
        Occurrence(k, m, to_local(k, zone))
        for k, m in loaded.exceptions.items()
        if m is not None and to_local(k, zone).date() == day
    ]


def find(loaded: Loaded, day: date, now: datetime, *, include_skipped: bool = False) -> Occurrence:
    """The one occurrence on ``day`` (local), or a UserError listing the next dates."""
    hits = on_date(loaded, day, now, include_skipped=True)
    live = [o for o in hits if not o.skipped]
    if live or (hits and include_skipped):
        return (live or hits)[0]
    if hits:
        raise UserError(
            N_(
                "The meeting on {date} is skipped. To hold it after all, move it: "
                "/circle schedule move {date} to:{date}"
            ),
            date=day.isoformat(),
        )
    dates = [
        to_local(o.start, loaded.rule.zone).date().isoformat() for o in upcoming(loaded, now, 3)
    ]
    raise UserError(
        N_("There is no meeting on {date}. The next meetings are on {dates}."),
        date=day.isoformat(),
        dates=", ".join(dates) or "-",
    )


async def set_exception(
    s: AsyncSession,
    circle_id: int,
    occ: Occurrence,
    moved_to: datetime | None,
    *,
    paused: bool = False,
) -> None:
    row = await repos.schedules.exception(s, circle_id, occ.key)
    if row is None:
        s.add(
            ScheduleException(
                circle_id=circle_id, occurrence=occ.key, moved_to=moved_to, paused=paused
            )
        )
    elif moved_to is not None and moved_to == occ.key:
        await s.delete(row)  # moved back where it was: no exception any more
    else:
        row.moved_to = moved_to
    await s.flush()


def describe_rule(rule: Rule) -> tuple[str, dict[str, object]]:
    """A catalog message and its values that say how often the circle meets."""
    at = rule.first_local.strftime("%H:%M")
    match = _SIMPLE.fullmatch(rule.rrule)
    if match:
        every = int(match[1] or 1)
        day = DAYS[_ICAL_DAYS.index(match[2])]
        if every == 1:
            return N_("every {day} at {time}"), {"day": day, "time": at}
        return N_("every {n} weeks on {day} at {time}"), {"n": every, "day": day, "time": at}
    return N_("at {time}, following the rule {rule}"), {"time": at, "rule": rule.rrule}


# -- use cases -----------------------------------------------------------------------------------

R = TypeVar("R")
Notice = Callable[[R], str]
"""How the cog words a result for the circle's channel (core keeps the rules, cogs the words)."""


async def _announce(sc: Scope, circle: Circle, text: str) -> None:
    if circle.channel_id:
        await sc.port.post(sc.workspace, circle.channel_id, Message(text))


@dataclass(frozen=True)
class NewSchedule:
    """What a leader gives ``schedule set``; None keeps the old value (or the default)."""

    at: time
    day: str | None = None
    every_weeks: int | None = None
    start: date | None = None
    timezone: str | None = None
    duration: int | None = None
    location: str | None = None
    rrule: str | None = None


DEFAULT_MINUTES = 90


async def set_schedule(
    sc: Scope,
    circle: Circle,
    new: NewSchedule,
    notice: Notice[Loaded],
    correction: Notice[Loaded] | None = None,
) -> Loaded:
    """``schedule set``: the recurring meeting; skips and moves the new rule still has stay.

    Fewer channel posts: the first schedule is announced with its next meetings; a later
    correction posts one line (``correction``: the new rule and the next meeting), and setting
    the same schedule again posts nothing."""
    correction = correction or notice
    if new.rrule and (new.day or new.every_weeks):
        raise UserError(
            N_(
                "Give either day (with every_weeks) or rrule, not both. For example: "
                "/circle schedule set day:tuesday time:19:00 every_weeks:2"
            )
        )
    old = await load(sc.session, circle.id)
    zone = zone_of(new.timezone or (old.rule.zone.key if old else circle.timezone))
    # Off the event loop: even bounded, an unusual rule can take a good part of a second.
    rule = await asyncio.to_thread(
        build_rule,
        zone=zone,
        at=new.at,
        now=sc.now(),
        start=new.start,
        day=new.day,
        every_weeks=new.every_weeks or 1,
        raw=new.rrule,
        duration=new.duration
        or (int(old.rule.duration.total_seconds() // 60) if old else DEFAULT_MINUTES),
        location=new.location if new.location is not None else (old.rule.location if old else None),
    )
    if old is not None and old.rule == rule:
        return old  # nothing changed: nothing to say in the channel either
    await save(sc.session, circle, rule, sc.now())
    circle.timezone = zone.key
    loaded = await need(sc.session, circle)
    if circle.paused_until is not None and circle.paused_until > sc.now():
        await skip_between(sc.session, circle, loaded, sc.now(), circle.paused_until)
        loaded = await need(sc.session, circle)
    await reminders.changed(sc, circle, "schedule.set")
    await _announce(sc, circle, notice(loaded) if old is None else correction(loaded))
    return loaded


async def skip_between(
    s: AsyncSession, circle: Circle, loaded: Loaded, start: datetime, end: datetime
) -> list[Occurrence]:
    """A pause: every meeting starting in ``[start, end)`` skipped (marked as the pause's)."""
    found = occurrences(loaded.rule, loaded.exceptions, start, end)
    for occ in found:
        await set_exception(s, circle.id, occ, None, paused=True)
    return found


@dataclass(frozen=True)
class Changed:
    """One occurrence skipped or moved: where it was (``occ.key``) and where it is now."""

    occ: Occurrence
    start: datetime
    zone: ZoneInfo


async def skip(sc: Scope, circle: Circle, day: date, notice: Notice[Changed]) -> Changed:
    """``schedule skip``: no meeting (and no reminders) on ``day``; not once it has started."""
    loaded = await need(sc.session, circle)
    occ = find(loaded, day, sc.now())
    if occ.start <= sc.now():
        raise UserError(
            N_("The meeting on {date} has already started, so it cannot be skipped."),
            date=format_day(day, circle.language),
        )
    await set_exception(sc.session, circle.id, occ, None)
    await reminders.changed(sc, circle, "schedule.skip")
    result = Changed(occ, occ.start, loaded.rule.zone)
    await _announce(sc, circle, notice(result))
    return result


async def move(
    sc: Scope, circle: Circle, day: date, to: date, at: time | None, notice: Notice[Changed]
) -> Changed:
    """``schedule move``: the meeting of ``day`` to ``to`` (at ``at``, default the same local
    time); its reminders, RSVPs and attendance follow it."""
    loaded = await need(sc.session, circle)
    now = sc.now()
    occ = find(loaded, day, now, include_skipped=True)
    if occ.start <= now:
        raise UserError(
            N_("The meeting on {date} has already started, so it cannot be moved."),
            date=format_day(day, circle.language),
        )
    zone = loaded.rule.zone
    at = at or to_local(occ.start, zone).time()
    new_start = to_utc(datetime.combine(to, at), zone)
    if new_start <= now:
        raise UserError(
            N_(
                "{date} {time} is in the past. Give a later date: "
                "/circle schedule move {old} to:YYYY-MM-DD"
            ),
            date=format_day(to, circle.language),
            time=at.strftime("%H:%M"),
            old=day.isoformat(),
        )
    await set_exception(sc.session, circle.id, occ, new_start)
    await reminders.changed(sc, circle, "schedule.move")
    result = Changed(occ, new_start, zone)
    await _announce(sc, circle, notice(result))
    return result


async def unskip(sc: Scope, circle: Circle, day: date, notice: Notice[Changed]) -> Changed:
    """``schedule unskip``: hold a skipped meeting after all (also one a pause skipped)."""
    loaded = await need(sc.session, circle)
    hits = [o for o in on_date(loaded, day, sc.now(), include_skipped=True) if o.skipped]
    if not hits:
        raise UserError(
            N_(
                "The meeting on {date} is not skipped. To see the skipped ones: /circle "
                "schedule show"
            ),
            date=day.isoformat(),
        )
    occ = hits[0]
    if occ.start <= sc.now():
        raise UserError(
            N_("The meeting on {date} would have started already, so it stays skipped."),
            date=day.isoformat(),
        )
    row = await repos.schedules.exception(sc.session, circle.id, occ.key)
    assert row is not None
    await sc.session.delete(row)
    await reminders.changed(sc, circle, "schedule.unskip")
    result = Changed(Occurrence(occ.key, occ.key, occ.local_key), occ.start, loaded.rule.zone)
    await _announce(sc, circle, notice(result))
    return result


@dataclass(frozen=True)
class Overview:
    """``schedule show``: the rule, what comes next, what is skipped, and who answered."""

    loaded: Loaded
    upcoming: list[Occurrence]
    skipped: list[Occurrence]
    offsets: tuple[timedelta, ...]
    next_roster: meetings.Roster | None
    paused_until: datetime | None = None
    reconvening: Occurrence | None = None


async def overview(sc: Scope, circle: Circle, count: int = 3) -> Overview:
    loaded = await need(sc.session, circle)
    now = sc.now()
    horizon = timedelta(days=sc.core.settings.file.scheduler.horizon_days)
    window = occurrences(loaded.rule, loaded.exceptions, now, now + horizon, include_skipped=True)
    found = upcoming(loaded, now, count)
    roster = await meetings.roster(sc.session, circle, found[0]) if found else None
    paused = circle.paused_until if circle.paused_until and circle.paused_until > now else None
    return Overview(
        loaded,
        found,
        [o for o in window if o.skipped and not (paused and o.key < paused)],
        reminders.offsets_of(circle.reminder_offsets),
        roster,
        paused,
        reconvening(loaded, circle, now),
    )


def reconvening(loaded: Loaded, circle: Circle, now: datetime) -> Occurrence | None:
    """The reconvening meeting planned at graduation, if it is still ahead."""
    key = circle.reconvene_at
    if key is None:
        return None
    found = occurrences(loaded.rule, loaded.exceptions, key - timedelta(days=1), key + SEARCH)
    occ = next((o for o in found if o.key == key), None)
    return occ if occ is not None and occ.start > now else None
