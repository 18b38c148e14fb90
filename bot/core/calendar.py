"""A circle's meetings as an RFC 5545 iCalendar file.

One recurring VEVENT (DTSTART with TZID, DURATION, RRULE) plus EXDATE for each skipped meeting
and, for each moved one, an override VEVENT with the same UID and a RECURRENCE-ID naming the
original start. The VTIMEZONE is generated from the IANA zone, so calendar programs place every
meeting at the same local time as the bot does (RFC 5545's rules for times in a daylight-saving
gap or overlap are the ones ``bot.core.schedules`` follows).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from bot.core import schedules
from bot.core.schedules import Loaded, is_instance, to_local, to_utc
from bot.core.scope import Scope
from bot.i18n import N_, translate
from storage.models import Circle

if TYPE_CHECKING:  # icalendar is imported on first use: it costs ~0.2 s at start-up
    from icalendar import Event, vRecur

PRODID = "-//circlekeeper//meetings//EN"


def _aware_local(local: datetime, loaded: Loaded) -> datetime:
    """A naive wall-clock time tagged with the zone (written as TZID=…:local)."""
    return local.replace(tzinfo=loaded.rule.zone, fold=0)


def _recur(loaded: Loaded) -> vRecur:
    from icalendar import vRecur

    recur: vRecur = vRecur.from_ical(loaded.rule.rrule)
    until = recur.get("UNTIL")
    if until:
        # RFC 5545: with a zoned DTSTART, UNTIL is given in UTC.
        values = []
        for value in until:
            if isinstance(value, datetime) and value.tzinfo is None:
                value = to_utc(value, loaded.rule.zone)
            elif not isinstance(value, datetime) and isinstance(value, date):
                value = to_utc(datetime.combine(value, datetime.max.time()), loaded.rule.zone)
            values.append(value.replace(microsecond=0))
        recur["UNTIL"] = values
    return recur


def build(circle: Circle, loaded: Loaded, now: datetime) -> bytes:
    from icalendar import Calendar, Event, Timezone

    lang, zone = circle.language, loaded.rule.zone
    uid = f"circle-{circle.id}-{circle.platform}-{circle.workspace_id}@circlekeeper"
    summary = translate(N_("{circle} (healing circle)"), lang, circle=circle.name)
    description = translate(
        N_(
            "Peer-led healing circle {circle}. Say whether you will come with /circle rsvp yes "
            "or /circle rsvp no. What is shared in the circle stays in the circle."
        ),
        lang,
        circle=circle.name,
    )
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", circle.name)
    cal.add("x-wr-timezone", zone.key)
    first = loaded.rule.first_local.date()
    cal.add_component(
        Timezone.from_tzid(
            zone.key,
            first_date=date(first.year - 1, 1, 1),
            last_date=date(max(first.year, now.year) + 6, 1, 1),
        )
    )

    again = translate(N_("{circle}: reconvening"), lang, circle=circle.name)

    def event(start_local: datetime, title: str = summary, uid: str = uid) -> Event:
        ev = Event()
        ev.add("uid", uid)
        ev.add("dtstamp", now.astimezone(UTC))
        ev.add("summary", title)
        ev.add("description", description)
        if loaded.rule.location:
            ev.add("location", loaded.rule.location)
        ev.add("dtstart", _aware_local(start_local, loaded))
        ev.add("duration", loaded.rule.duration)
        return ev

    main = event(loaded.rule.first_local)
    main.add("rrule", _recur(loaded))
    skipped = sorted(k for k, moved in loaded.exceptions.items() if moved is None)
    for key in skipped:
        main.add("exdate", _aware_local(to_local(key, zone), loaded))
    cal.add_component(main)
    reconvene = circle.reconvene_at
    overrides = {k: m for k, m in loaded.exceptions.items() if m is not None}
    if reconvene is not None and reconvene not in loaded.exceptions:
        overrides[reconvene] = reconvene  # a regular meeting: renamed by an override
    for key, moved in sorted(overrides.items()):
        title = again if key == reconvene else summary
        if not is_instance(loaded.rule, key):
            # A meeting of its own (the reconvening after the schedule ended): its own event.
            cal.add_component(event(to_local(moved, zone), title, f"reconvene-{uid}"))
            continue
        override = event(to_local(moved, zone), title)
        override.add("recurrence-id", _aware_local(to_local(key, zone), loaded))
        override.add("sequence", 1)
        cal.add_component(override)
    return bytes(cal.to_ical())


async def file_of(sc: Scope, circle: Circle) -> bytes:
    """``calendar``: the circle's meetings as an .ics file (needs a schedule)."""
    return build(circle, await schedules.need(sc.session, circle), sc.now())
