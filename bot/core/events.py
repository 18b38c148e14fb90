"""A circle's schedule where people look for it: a pinned schedule message in its channel, kept
up to date in place, and the next meeting as the platform's own calendar event (Discord: a VOICE
scheduled event in the circle's private voice channel, with ``[discord] voice_channels``).

Both show the meeting that is on now or comes next: it stays while a meeting runs and rolls
forward once it ended. ``publish`` runs after every schedule change (``reminders.changed``) and
``roll_all`` with the periodic materialising pass, which edits a pinned message only when the
meeting it shows is over; ports without events do nothing for the event.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import schedules
from bot.core.effects import Effects
from bot.core.runtime import Core
from bot.i18n import N_, translate
from bot.port import CalendarEvent, ChatPort, ErrorKind, Field, Message, PlatformError, card
from storage.models import Circle, Schedule

log = logging.getLogger(__name__)


def current(loaded: schedules.Loaded, now: datetime) -> schedules.Occurrence | None:
    """The meeting on now (until it ends), else the next one."""
    duration = loaded.rule.duration
    found = schedules.occurrences(
        loaded.rule, loaded.exceptions, now - duration, now + schedules.SEARCH
    )
    return next((o for o in found if o.start + duration > now), None)


def next_event(
    circle: Circle, loaded: schedules.Loaded | None, now: datetime
) -> CalendarEvent | None:
    """The meeting on now (until it ends) or the next one; None without a schedule."""
    if loaded is None:
        return None
    duration = loaded.rule.duration
    occ = current(loaded, now)
    if occ is None:
        return None
    lines = [translate(N_("The meeting of {circle}."), circle.language, circle=circle.name)]
    if loaded.rule.location:
        lines.append(translate(N_("Where: {where}"), circle.language, where=loaded.rule.location))
    return CalendarEvent(circle.name, occ.start, occ.start + duration, "\n".join(lines))


def schedule_card(
    port: ChatPort, circle: Circle, loaded: schedules.Loaded, now: datetime
) -> Message:
    """The pinned schedule message: how often, how long, where, the next meeting and the
    skipped ones coming up."""
    lang, zone = circle.language, loaded.rule.zone
    msg, values = schedules.describe_rule(loaded.rule)
    if "day" in values:
        values["day"] = translate(str(values["day"]).capitalize(), lang)
    fields = [
        Field(translate(N_("Meets"), lang), translate(msg, lang, **values)),
        Field(translate(N_("Time zone"), lang), zone.key),
        Field(
            translate(N_("Length"), lang),
            translate(
                N_("{minutes} minutes"),
                lang,
                minutes=int(loaded.rule.duration.total_seconds() // 60),
            ),
        ),
    ]
    if loaded.rule.location:
        fields.append(Field(translate(N_("Where"), lang), loaded.rule.location))
    occ = current(loaded, now)
    nxt = port.format_time(occ.start, zone, lang) if occ else translate(N_("none"), lang)
    fields.append(Field(translate(N_("Next meeting"), lang), nxt, inline=False))
    ahead = schedules.occurrences(
        loaded.rule, loaded.exceptions, now, now + schedules.SEARCH, include_skipped=True
    )
    skipped = [port.format_time(o.key, zone, lang) for o in ahead if o.skipped][:5]
    if skipped:
        fields.append(Field(translate(N_("Skipped"), lang), ", ".join(skipped), inline=False))
    return card(
        translate(N_("Schedule of {circle}"), lang, circle=circle.name),
        fields=tuple(fields),
        footer=translate(
            N_("Kept up to date by the bot. The next meetings: /circle schedule show"), lang
        ),
    )


async def _show_card(
    port: ChatPort,
    s: AsyncSession,
    circle: Circle,
    loaded: schedules.Loaded,
    now: datetime,
    effects: Effects | None,
) -> None:
    """Post and pin the schedule message once, then edit it; post anew if it was deleted."""
    row = await s.get(Schedule, circle.id)
    if row is None or circle.channel_id is None:
        return
    message = schedule_card(port, circle, loaded, now)
    occ = current(loaded, now)
    if row.card_message_id is not None:
        try:
            await port.edit(circle.workspace_id, circle.channel_id, row.card_message_id, message)
            row.card_next = occ.key if occ else None
            return
        except PlatformError as err:
            if err.kind is not ErrorKind.GONE:
                log.warning("schedule message not edited circle=%s code=%s", circle.id, err.code)
                return
    workspace, channel = circle.workspace_id, circle.channel_id
    posted = await port.post(workspace, channel, message)
    row.card_message_id, row.card_next = posted, occ.key if occ else None
    if effects is not None:  # rolled back: the message must not stay posted and pinned
        effects.undo(
            f"schedule.card:{posted}", lambda: port.delete_message(workspace, channel, posted)
        )
    try:
        await port.pin(workspace, channel, posted)
    except PlatformError as err:
        log.warning("schedule message not pinned circle=%s code=%s", circle.id, err.code)


async def publish(
    port: ChatPort,
    s: AsyncSession,
    circle: Circle,
    now: datetime,
    *,
    card: bool = True,
    effects: Effects | None = None,
) -> None:
    """The pinned schedule message (unless ``card`` is False) and the platform event brought
    up to date; a refusal is logged, never fatal (the schedule change itself stands). A new
    pinned message is recorded in ``effects`` (a command's), so a rollback deletes it."""
    if circle.channel_id is None:
        return
    loaded = await schedules.load(s, circle.id)
    if loaded is not None and card:
        try:
            await _show_card(port, s, circle, loaded, now, effects)
        except PlatformError as err:
            log.warning("schedule message not posted circle=%s code=%s", circle.id, err.code)
    try:
        await port.show_next_meeting(
            circle.workspace_id, circle.channel_id, next_event(circle, loaded, now)
        )
    except PlatformError as err:
        log.warning("event not shown circle=%s code=%s", circle.id, err.code)


async def roll_all(core: Core) -> int:
    """After each meeting: every connected circle's pinned schedule message and event moved on
    to its next meeting. Circles whose message still shows the right meeting are left alone,
    unless their platform shows events (the Discord port does nothing when its event is
    already right)."""
    now = core.clock.now()
    events_on = core.settings.file.discord.voice_channels
    done = 0
    async with core.sessions() as s, s.begin():
        loaded_all = await schedules.load_many(s)
        for cid, loaded in loaded_all.items():
            row = await s.get(Schedule, cid)
            occ = current(loaded, now)
            stale = (
                row is not None
                and row.card_message_id is not None
                and (row.card_next != (occ.key if occ else None))
            )
            if not stale and not events_on:
                continue
            circle = await s.get(Circle, cid)
            if circle is None or circle.channel_id is None:
                continue
            try:
                port = core.port(circle.platform)
            except LookupError:
                continue
            await publish(port, s, circle, now, card=stale)
            done += 1
    return done
