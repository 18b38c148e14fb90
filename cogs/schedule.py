"""The meeting schedule: set it, show the next meetings, skip or move one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import meetings, reminders, schedules
from bot.core.durations import format_duration
from bot.core.errors import UserError
from bot.core.schedules import Loaded, Occurrence
from bot.i18n import N_
from bot.port import Message
from storage import repos

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
    text = ctx.port.format_time(occ.start, loaded.rule.zone)
    if occ.skipped:
        return ctx.t(N_("{when}: skipped"), when=text)
    if occ.moved:
        return ctx.t(
            N_("{when} (moved from {original})"),
            when=text,
            original=ctx.port.format_time(occ.key, loaded.rule.zone),
        )
    return text


def next_lines(ctx: Context, loaded: Loaded, count: int = 3) -> list[str]:
    found = schedules.upcoming(loaded, ctx.now(), count)
    if not found:
        return [ctx.t(N_("There are no more meetings in this schedule."))]
    return ["- " + when(ctx, loaded, o) for o in found]


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
            Option("timezone", OptType.WORD, N_("IANA time zone, e.g. Europe/London")),
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
        if rrule and (day or every_weeks):
            raise UserError(
                N_(
                    "Give either day (with every_weeks) or rrule, not both. For example: "
                    "/circle schedule set day:tuesday time:19:00 every_weeks:2"
                )
            )
        old = await schedules.load(ctx.session, circle.id)
        zone = schedules.zone_of(timezone or (old.rule.zone.key if old else circle.timezone))
        rule = schedules.build_rule(
            zone=zone,
            at=time,
            now=ctx.now(),
            start=start,
            day=day,
            every_weeks=every_weeks or 1,
            raw=rrule,
            duration=duration or (int(old.rule.duration.total_seconds() // 60) if old else 90),
            location=where if where is not None else (old.rule.location if old else None),
        )
        await schedules.save(ctx.session, circle, rule, ctx.now())
        circle.timezone = zone.key
        await reminders.sync_circle(ctx.session, ctx.core, circle.id)
        loaded = await meetings.need_schedule(ctx.session, circle)
        repos.audit(ctx.session, ctx.now(), circle.id, ctx.user, "schedule.set")
        text = "\n".join(
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
        if circle.channel_id:
            await ctx.port.post(ctx.workspace, circle.channel_id, Message(text))
        return Reply(text)

    @command("schedule show", who=[Who.MEMBER], help=N_("The next three meetings."))
    async def show(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        loaded = await meetings.need_schedule(ctx.session, circle)
        lines = [
            ctx.t(
                N_("{circle} meets {schedule}."), circle=circle.name, schedule=describe(ctx, loaded)
            ),
            ctx.t(N_("Next meetings:")),
            *next_lines(ctx, loaded),
        ]
        skipped = [
            o
            for o in schedules.occurrences(
                loaded.rule,
                loaded.exceptions,
                ctx.now(),
                ctx.now() + timedelta(days=ctx.core.settings.file.scheduler.horizon_days),
                include_skipped=True,
            )
            if o.skipped
        ]
        for o in skipped:
            lines.append(
                ctx.t(N_("Skipped: {when}"), when=ctx.port.format_time(o.key, loaded.rule.zone))
            )
        offsets = reminders.offsets_of(circle.reminder_offsets)
        lines.append(
            ctx.t(
                N_("Reminders go out {offsets} before each meeting."),
                offsets=", ".join(format_duration(o) for o in offsets) or "-",
            )
        )
        nxt = schedules.upcoming(loaded, ctx.now(), 1)
        if nxt:
            r = await meetings.roster(ctx.session, circle, nxt[0])
            lines.append(
                ctx.t(
                    N_("Next meeting: {going} going, {not_going} not going, {open} not answered."),
                    going=len(r.going),
                    not_going=len(r.not_going),
                    open=len(r.no_answer),
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
        loaded = await meetings.need_schedule(ctx.session, circle)
        occ = schedules.find(loaded, date, ctx.now())
        if occ.start <= ctx.now():
            raise UserError(
                N_("The meeting on {date} has already started, so it cannot be skipped."),
                date=date.isoformat(),
            )
        await schedules.set_exception(ctx.session, circle.id, occ, None)
        await reminders.sync_circle(ctx.session, ctx.core, circle.id)
        repos.audit(ctx.session, ctx.now(), circle.id, ctx.user, "schedule.skip")
        text = ctx.t(
            N_("The meeting of {circle} on {when} is skipped. No reminders will go out for it."),
            circle=circle.name,
            when=ctx.port.format_time(occ.start, loaded.rule.zone),
        )
        if circle.channel_id:
            await ctx.port.post(ctx.workspace, circle.channel_id, Message(text))
        return Reply(text)

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
        loaded = await meetings.need_schedule(ctx.session, circle)
        occ = schedules.find(loaded, date, ctx.now(), include_skipped=True)
        now = ctx.now()
        if occ.start <= now:
            raise UserError(
                N_("The meeting on {date} has already started, so it cannot be moved."),
                date=date.isoformat(),
            )
        zone = loaded.rule.zone
        at = time or schedules.to_local(occ.start, zone).time()
        new_start = schedules.to_utc(datetime.combine(to, at), zone)
        if new_start <= now:
            raise UserError(
                N_(
                    "{date} {time} is in the past. Give a later date: "
                    "/circle schedule move {old} to:YYYY-MM-DD"
                ),
                date=to.isoformat(),
                time=at.strftime("%H:%M"),
                old=date.isoformat(),
            )
        await schedules.set_exception(ctx.session, circle.id, occ, new_start)
        await reminders.sync_circle(ctx.session, ctx.core, circle.id)
        repos.audit(ctx.session, now, circle.id, ctx.user, "schedule.move")
        text = ctx.t(
            N_("The meeting of {circle} on {old} moves to {new}. Reminders move with it."),
            circle=circle.name,
            old=ctx.port.format_time(occ.key, zone),
            new=ctx.port.format_time(new_start, zone),
        )
        if circle.channel_id:
            await ctx.port.post(ctx.workspace, circle.channel_id, Message(text))
        return Reply(text)
