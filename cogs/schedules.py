"""The meeting schedule: set it, show the next meetings, skip or move one."""

from __future__ import annotations

from datetime import date, time

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import schedules
from bot.core.schedules import Loaded, Occurrence
from bot.i18n import N_, format_list, format_span

DAY_NAMES = {
    "monday": N_("Monday"),
    "tuesday": N_("Tuesday"),
    "wednesday": N_("Wednesday"),
    "thursday": N_("Thursday"),
    "friday": N_("Friday"),
    "saturday": N_("Saturday"),
    "sunday": N_("Sunday"),
}


def describe(ctx: Context, loaded: Loaded) -> str:
    """``every 2 weeks on Tuesday at 19:00 (America/Los_Angeles), 90 minutes, where: …``"""
    msg, values = schedules.describe_rule(loaded.rule)
    if "day" in values:
        values["day"] = ctx.t(DAY_NAMES[str(values["day"])])
    text = ctx.t(msg, **values)
    text += ctx.t(
        N_(" ({zone}), {minutes} minutes"),
        zone=loaded.rule.zone.key,
        minutes=int(loaded.rule.duration.total_seconds() // 60),
    )
    if loaded.rule.location:
        text += ctx.t(N_(", where: {where}"), where=loaded.rule.location)
    return text


def when(ctx: Context, loaded: Loaded, occ: Occurrence) -> str:
    text = ctx.port.format_time(occ.start, loaded.rule.zone, ctx.lang)
    if occ.skipped:
        return ctx.t(N_("{when}: skipped"), when=text)
    if occ.moved:
        return ctx.t(
            N_("{when} (moved from {original})"),
            when=text,
            original=ctx.port.format_time(occ.key, loaded.rule.zone, ctx.lang),
        )
    return text


def occurrence_lines(ctx: Context, loaded: Loaded, found: list[Occurrence]) -> list[str]:
    if not found:
        return [ctx.t(N_("There are no more meetings in this schedule."))]
    return ["- " + when(ctx, loaded, o) for o in found]


def next_lines(ctx: Context, loaded: Loaded, count: int = 3) -> list[str]:
    return occurrence_lines(ctx, loaded, schedules.upcoming(loaded, ctx.now(), count))


class ScheduleCog(Cog):
    @command(
        "schedule set",
        who=[Who.LEADER],
        help=N_("Set the recurring meeting: a weekday and time, or an RFC 5545 RRULE."),
        options=[
            Option("day", OptType.CHOICE, N_("day of the week"), choices=schedules.DAYS),
            Option("time", OptType.TIME, N_("local start time, like 19:00"), required=True),
            Option("every_weeks", OptType.INT, N_("meet every N weeks"), min=1, max=8),
            Option("start", OptType.DATE, N_("first possible date (default: today)")),
            Option("timezone", OptType.ZONE, N_("IANA time zone, e.g. Europe/London")),
            Option("duration", OptType.INT, N_("length in minutes"), min=15, max=480),
            Option("where", OptType.TEXT, N_("where the circle meets"), max_length=200),
            Option("rrule", OptType.TEXT, N_("an RFC 5545 RRULE instead of day"), max_length=200),
        ],
    )
    async def set_(
        self,
        ctx: Context,
        day: str | None,
        time: time,
        every_weeks: int | None,
        start: date | None,
        timezone: str | None,
        duration: int | None,
        where: str | None,
        rrule: str | None,
    ) -> Reply:
        circle = ctx.need_circle()
        new = schedules.NewSchedule(time, day, every_weeks, start, timezone, duration, where, rrule)

        def word(loaded: Loaded) -> str:
            return "\n".join(
                [
                    ctx.t(
                        N_("{circle} now meets {schedule}."),
                        circle=circle.name,
                        schedule=describe(ctx, loaded),
                    ),
                    ctx.t(N_("Next meetings:")),
                    *next_lines(ctx, loaded),
                ]
            )

        def correction(loaded: Loaded) -> str:
            found = schedules.upcoming(loaded, ctx.now(), 1)
            return ctx.t(
                N_("Schedule change: {circle} now meets {schedule}. Next meeting: {when}."),
                circle=circle.name,
                schedule=describe(ctx, loaded),
                when=when(ctx, loaded, found[0]) if found else ctx.t(N_("none")),
            )

        loaded = await schedules.set_schedule(ctx.scope, circle, new, word, correction)
        return Reply(word(loaded))

    @command("schedule show", who=[Who.MEMBER], help=N_("The next three meetings."))
    async def show(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        o = await schedules.overview(ctx.scope, circle)
        zone = o.loaded.rule.zone
        lines = [
            ctx.t(
                N_("{circle} meets {schedule}."),
                circle=circle.name,
                schedule=describe(ctx, o.loaded),
            ),
            ctx.t(N_("Next meetings:")),
            *occurrence_lines(ctx, o.loaded, o.upcoming),
        ]
        if o.reconvening is not None:
            lines.append(ctx.t(N_("Reconvening: {when}"), when=when(ctx, o.loaded, o.reconvening)))
        if o.paused_until is not None:
            lines.append(
                ctx.t(
                    N_(
                        "Paused: no meetings before {date} (/circle schedule resume ends the "
                        "pause)."
                    ),
                    date=schedules.to_local(o.paused_until, zone).date().isoformat(),
                )
            )
        for occ in o.skipped:
            lines.append(
                ctx.t(N_("Skipped: {when}"), when=ctx.port.format_time(occ.key, zone, ctx.lang))
            )
        lines.append(
            ctx.t(
                N_("Reminders go out {offsets} before each meeting."),
                offsets=format_list((format_span(x, ctx.lang) for x in o.offsets), ctx.lang) or "-",
            )
        )
        if o.next_roster is not None:
            lines.append(
                ctx.t(
                    N_("Next meeting: {going} going, {not_going} not going, {open} not answered."),
                    going=len(o.next_roster.going),
                    not_going=len(o.next_roster.not_going),
                    open=len(o.next_roster.no_answer),
                )
            )
        return Reply("\n".join(lines))

    @command(
        "schedule skip",
        who=[Who.LEADER],
        help=N_("Skip one meeting; its reminders are cancelled."),
        options=[Option("date", OptType.DATE, N_("the meeting's date"), required=True)],
    )
    async def skip(self, ctx: Context, date: date) -> Reply:
        circle = ctx.need_circle()

        def word(r: schedules.Changed) -> str:
            return ctx.t(
                N_(
                    "The meeting of {circle} on {when} is skipped. No reminders will go out for it."
                ),
                circle=circle.name,
                when=ctx.port.format_time(r.start, r.zone, ctx.lang),
            )

        return Reply(word(await schedules.skip(ctx.scope, circle, date, word)))

    @command(
        "schedule move",
        who=[Who.LEADER],
        help=N_("Move one meeting to another date (and time); its reminders move with it."),
        options=[
            Option("date", OptType.DATE, N_("the meeting's date"), required=True),
            Option("to", OptType.DATE, N_("the new date"), required=True),
            Option("time", OptType.TIME, N_("the new local start time (default: the same)")),
        ],
    )
    async def move(self, ctx: Context, date: date, to: date, time: time | None) -> Reply:
        circle = ctx.need_circle()

        def word(r: schedules.Changed) -> str:
            return ctx.t(
                N_("The meeting of {circle} on {old} moves to {new}. Reminders move with it."),
                circle=circle.name,
                old=ctx.port.format_time(r.occ.key, r.zone, ctx.lang),
                new=ctx.port.format_time(r.start, r.zone, ctx.lang),
            )

        return Reply(word(await schedules.move(ctx.scope, circle, date, to, time, word)))

    @command(
        "schedule unskip",
        who=[Who.LEADER],
        help=N_("Hold a skipped meeting after all; its reminders go out again."),
        options=[Option("date", OptType.DATE, N_("the skipped meeting's date"), required=True)],
    )
    async def unskip(self, ctx: Context, date: date) -> Reply:
        circle = ctx.need_circle()

        def word(r: schedules.Changed) -> str:
            return ctx.t(
                N_("The meeting of {circle} on {when} takes place after all."),
                circle=circle.name,
                when=ctx.port.format_time(r.start, r.zone, ctx.lang),
            )

        return Reply(word(await schedules.unskip(ctx.scope, circle, date, word)))
