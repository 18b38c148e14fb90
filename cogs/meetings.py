"""Reminders, RSVPs, attendance and the calendar file."""

from __future__ import annotations

from datetime import date

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import calendar, meetings, reminders, schedules
from bot.core.durations import format_duration, parse_offsets
from bot.core.errors import UserError
from bot.i18n import N_
from bot.port import Attachment, Button
from storage import repos
from storage.models import Notify


class MeetingsCog(Cog):
    @command(
        "reminders set",
        who=[Who.LEADER],
        help=N_("When reminders go out before each meeting, e.g. 24h,1h."),
        options=[
            Option(
                "offsets",
                OptType.TEXT,
                N_("durations before the start, like 24h,1h or 2d,30m"),
                required=True,
                max_length=100,
            )
        ],
    )
    async def reminders_set(self, ctx: Context, offsets: str) -> Reply:
        circle = ctx.need_circle()
        try:
            parsed = parse_offsets(offsets)
        except ValueError:
            raise UserError(
                N_(
                    'offsets: "{text}" is not a list of durations. Use numbers with m, h or d, '
                    "between 1m and 14d, at most 5, like /circle reminders set 24h,1h"
                ),
                text=offsets,
            ) from None
        circle.reminder_offsets = ",".join(format_duration(o) for o in parsed)
        await reminders.sync_circle(ctx.session, ctx.core, circle.id)
        repos.audit(ctx.session, ctx.now(), circle.id, ctx.user, "reminders.set")
        return Reply(
            ctx.t(
                N_("Reminders for {circle} now go out {offsets} before each meeting."),
                circle=circle.name,
                offsets=", ".join(format_duration(o) for o in parsed),
            )
        )

    @command(
        "notify",
        who=[Who.MEMBER],
        help=N_("Where you get meeting reminders: a direct message, the circle channel, or off."),
        options=[
            Option(
                "where",
                OptType.CHOICE,
                N_("dm, channel or off"),
                required=True,
                choices=tuple(n.value for n in Notify),
            )
        ],
    )
    async def notify(self, ctx: Context, where: str) -> Reply:
        circle = ctx.need_circle()
        if ctx.membership is None:
            raise UserError(N_("Only members of {circle} get its reminders."), circle=circle.name)
        ctx.membership.notify = Notify(where)
        messages = {
            Notify.DM: N_("You will get reminders for {circle} as direct messages."),
            Notify.CHANNEL: N_("You will see reminders for {circle} in the circle's channel."),
            Notify.OFF: N_(
                "You will get no reminders for {circle}. Turn them back on with /circle notify dm."
            ),
        }
        return Reply(ctx.t(messages[Notify(where)], circle=circle.name))

    @command(
        "rsvp",
        who=[Who.MEMBER],
        help=N_("Say whether you will come to the next meeting (or the one on a date)."),
        options=[
            Option("answer", OptType.CHOICE, N_("yes or no"), required=True, choices=("yes", "no")),
            Option("date", OptType.DATE, N_("the meeting's date (default: the next one)")),
        ],
    )
    async def rsvp(self, ctx: Context, answer: str, date: date | None) -> Reply:
        circle = ctx.need_circle()
        if ctx.membership is None:
            raise UserError(N_("Only members of {circle} can answer."), circle=circle.name)
        loaded = await meetings.need_schedule(ctx.session, circle)
        occ = meetings.upcoming_or_on(loaded, date, ctx.now())
        when = ctx.port.format_time(occ.start, loaded.rule.zone)
        if occ.start <= ctx.now():
            raise UserError(
                N_("The meeting {when} has already started, so RSVPs for it are closed."),
                when=when,
            )
        going = answer == "yes"
        await meetings.rsvp(ctx.session, circle, occ, ctx.user, going, ctx.now())
        r = await meetings.roster(ctx.session, circle, occ)
        text = ctx.t(
            N_("Thank you. You are coming to the meeting {when}.")
            if going
            else N_("Thank you for letting us know. You are not coming to the meeting {when}."),
            when=when,
        )
        text += " " + ctx.t(
            N_("So far {going} going, {not_going} not going."),
            going=len(r.going),
            not_going=len(r.not_going),
        )
        return Reply(text)

    @command(
        "attendance",
        who=[Who.LEADER],
        help=N_("The roster of a meeting, or record who came: present:@a @b."),
        options=[
            Option("date", OptType.DATE, N_("the meeting's date (default: the latest)")),
            Option("present", OptType.USERS, N_("the people who came")),
            Option("from_rsvps", OptType.BOOL, N_("yes: everyone who said they would come")),
        ],
    )
    async def attendance(
        self, ctx: Context, date: date | None, present: list[str] | None, from_rsvps: bool | None
    ) -> Reply:
        circle = ctx.need_circle()
        loaded = await meetings.need_schedule(ctx.session, circle)
        zone, now = loaded.rule.zone, ctx.now()
        if present or from_rsvps:
            occ = meetings.latest_started(loaded, date, now)
            present = list(present or [])
            if from_rsvps:
                present += (await meetings.roster(ctx.session, circle, occ)).going
            meeting = await meetings.record_attendance(ctx.session, circle, occ, present, now)
            repos.audit(ctx.session, now, circle.id, ctx.user, "attendance.record")
            return Reply(
                ctx.t(
                    N_("Recorded {n} of {expected} present at the meeting {when}: {people}."),
                    n=meeting.present_count,
                    expected=meeting.expected_count,
                    when=ctx.port.format_time(occ.start, zone),
                    people=", ".join(ctx.port.mention(p) for p in sorted(set(present))),
                )
            )
        if date is not None:
            occ = schedules.find(loaded, date, now)
        else:
            began = [
                o
                for o in schedules.occurrences(
                    loaded.rule, loaded.exceptions, now - meetings.RECENT, now
                )
                if o.start <= now
            ]
            occ = began[-1] if began else meetings.upcoming_or_on(loaded, None, now)
        r = await meetings.roster(ctx.session, circle, occ)
        none = ctx.t(N_("nobody"))

        def names(people: list[str]) -> str:
            return ", ".join(ctx.port.mention(p) for p in people) or none

        lines = [
            ctx.t(N_("Roster for the meeting {when}:"), when=ctx.port.format_time(occ.start, zone)),
            ctx.t(N_("Going: {names}"), names=names(r.going)),
            ctx.t(N_("Not going: {names}"), names=names(r.not_going)),
            ctx.t(N_("No answer: {names}"), names=names(r.no_answer)),
        ]
        buttons: tuple[Button, ...] = ()
        if r.present is not None:
            lines.append(ctx.t(N_("Recorded present: {names}"), names=names(r.present)))
        if occ.start <= now and r.going:
            day = schedules.to_local(occ.start, zone).date().isoformat()
            lines.append(
                ctx.t(
                    N_("To record who came: /circle attendance date:{day} present:@a @b"),
                    day=day,
                )
            )
            buttons = (
                Button(
                    ctx.t(N_("Record everyone who said yes as present")),
                    f"attendance date:{day} from_rsvps:yes circle:#{circle.id}",
                    "primary",
                ),
            )
        return Reply("\n".join(lines), buttons=buttons)

    @command(
        "calendar",
        who=[Who.MEMBER],
        help=N_("The circle's meetings as a calendar file (.ics) for your calendar app."),
    )
    async def calendar(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        loaded = await meetings.need_schedule(ctx.session, circle)
        data = calendar.build(circle, loaded, ctx.now())
        return Reply(
            ctx.t(
                N_("The meetings of {circle}: open the file to add them to your calendar."),
                circle=circle.name,
            ),
            file=Attachment(f"circle-{circle.id}.ics", data, "text/calendar"),
        )
