"""Meetings: RSVPs, the roster and recorded attendance, and the calendar file."""

from __future__ import annotations

from datetime import date

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import calendar, meetings
from bot.i18n import N_
from bot.port import Attachment, Button


class MeetingsCog(Cog):
    @command(
        "rsvp",
        who=[Who.MEMBER],
        help=N_("Say whether you will come to the next meeting (or the one on a date)."),
        options=[
            Option(
                "answer",
                OptType.CHOICE,
                N_("yes, no or maybe"),
                required=True,
                choices=meetings.ANSWERS,
            ),
            Option("date", OptType.DATE, N_("the meeting's date (default: the next one)")),
        ],
    )
    async def rsvp(self, ctx: Context, answer: str, date: date | None) -> Reply:
        circle = ctx.need_circle()
        r = await meetings.rsvp(ctx.scope, circle, answer, date)
        said = {
            "yes": N_("Thank you. You are coming to the meeting {when}."),
            "no": N_("Thank you for letting us know. You are not coming to the meeting {when}."),
            "maybe": N_(
                "Thank you. You might come to the meeting {when}; answer yes or no whenever "
                "you know."
            ),
        }
        text = ctx.t(said[r.answer], when=ctx.port.format_time(r.occ.start, r.zone, ctx.lang))
        text += " " + ctx.t(
            N_("So far {going} going, {not_going} not going, {maybe} maybe.")
            if r.roster.maybe
            else N_("So far {going} going, {not_going} not going."),
            going=len(r.roster.going),
            not_going=len(r.roster.not_going),
            maybe=len(r.roster.maybe),
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
        if present or from_rsvps:
            rec = await meetings.record(ctx.scope, circle, date, present or [], bool(from_rsvps))
            return Reply(
                ctx.t(
                    N_("Recorded {n} of {expected} present at the meeting {when}: {people}."),
                    n=rec.meeting.present_count,
                    expected=rec.meeting.expected_count,
                    when=ctx.port.format_time(rec.occ.start, rec.zone, ctx.lang),
                    people=", ".join(ctx.port.mention(p) for p in rec.present),
                )
            )
        v = await meetings.roster_of(ctx.scope, circle, date)
        r = v.roster
        none = ctx.t(N_("nobody"))

        def names(people: list[str]) -> str:
            return ", ".join(ctx.port.mention(p) for p in people) or none

        lines = [
            ctx.t(
                N_("Roster for the meeting {when}:"),
                when=ctx.port.format_time(v.occ.start, v.zone, ctx.lang),
            ),
            ctx.t(N_("Going: {names}"), names=names(r.going)),
            ctx.t(N_("Not going: {names}"), names=names(r.not_going)),
        ]
        if r.maybe:
            lines.append(ctx.t(N_("Maybe: {names}"), names=names(r.maybe)))
        lines.append(ctx.t(N_("No answer: {names}"), names=names(r.no_answer)))
        if r.mentor is not None:
            answer = {
                "yes": N_("going"),
                "no": N_("not going"),
                "maybe": N_("maybe"),
                None: N_("no answer"),
            }[r.mentor_answer]
            lines.append(
                ctx.t(
                    N_("Mentor (sits in): {name}, {answer}"),
                    name=ctx.port.mention(r.mentor),
                    answer=ctx.t(answer),
                )
            )
        buttons: tuple[Button, ...] = ()
        if r.present is not None:
            lines.append(ctx.t(N_("Recorded present: {names}"), names=names(r.present)))
        if v.started and r.going:
            day = v.day.isoformat()
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
        data = await calendar.file_of(ctx.scope, circle)
        return Reply(
            ctx.t(
                N_("The meetings of {circle}: open the file to add them to your calendar."),
                circle=circle.name,
            ),
            file=Attachment(f"circle-{circle.id}.ics", data, "text/calendar"),
        )
