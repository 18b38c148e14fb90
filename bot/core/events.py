"""A circle's next meeting as the platform's own calendar event (Discord: a VOICE scheduled
event in the circle's private voice channel, with ``[discord] voice_channels``).

The event shows the meeting that is on now or comes next: it stays while a meeting runs and
rolls forward once it ended. ``publish`` runs after every schedule change (``reminders.changed``)
and ``roll_all`` with the periodic materialising pass; ports without events do nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import schedules
from bot.core.runtime import Core
from bot.i18n import N_, translate
from bot.port import CalendarEvent, ChatPort, PlatformError
from storage import repos
from storage.models import Circle

log = logging.getLogger(__name__)


def next_event(
    circle: Circle, loaded: schedules.Loaded | None, now: datetime
) -> CalendarEvent | None:
    """The meeting on now (until it ends) or the next one; None without a schedule."""
    if loaded is None:
        return None
    duration = loaded.rule.duration
    found = schedules.occurrences(
        loaded.rule, loaded.exceptions, now - duration, now + schedules.SEARCH
    )
    occ = next((o for o in found if o.start + duration > now), None)
    if occ is None:
        return None
    lines = [translate(N_("The meeting of {circle}."), circle.language, circle=circle.name)]
    if loaded.rule.location:
        lines.append(translate(N_("Where: {where}"), circle.language, where=loaded.rule.location))
    return CalendarEvent(circle.name, occ.start, occ.start + duration, "\n".join(lines))


async def publish(port: ChatPort, s: AsyncSession, circle: Circle, now: datetime) -> None:
    """Show the circle's next meeting on its platform; a refusal is logged, never fatal."""
    if circle.channel_id is None:
        return
    event = next_event(circle, await schedules.load(s, circle.id), now)
    try:
        await port.show_next_meeting(circle.workspace_id, circle.channel_id, event)
    except PlatformError as err:
        log.warning("event not shown circle=%s code=%s", circle.id, err.code)


async def roll_all(core: Core) -> int:
    """After each meeting: every connected circle's event moved on to its next meeting (the
    Discord port does nothing when the event already shows it)."""
    if not core.settings.file.discord.voice_channels:
        return 0  # the only events there are (so far): nothing to roll, no queries
    now = core.clock.now()
    done = 0
    async with core.sessions() as s:
        for cid in await repos.schedules.scheduled_circle_ids(s):
            circle = await s.get(Circle, cid)
            if circle is None or circle.channel_id is None:
                continue
            try:
                port = core.port(circle.platform)
            except LookupError:
                continue
            await publish(port, s, circle, now)
            done += 1
    return done
