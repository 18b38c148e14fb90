"""The life of a circle: pause and resume, hand the leader role over, assign the mentor,
decline a request, move a member to another circle, archive the circle.

They live in groups (``schedule``, ``mentor``, ``manage``) because Discord allows at most 25
sub-commands and groups under ``/circle``."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import circles, lifecycle
from bot.i18n import N_
from storage.models import Circle


class LifecycleCog(Cog):
    @command(
        "schedule pause",
        who=[Who.LEADER],
        help=N_("Pause the circle (holidays): no meetings or reminders until a date."),
        options=[
            Option(
                "until", OptType.DATE, N_("the first day the circle meets again"), required=True
            ),
            Option(
                "reason",
                OptType.TEXT,
                N_("a few words for the circle, like winter holidays"),
                rest=True,
                max_length=lifecycle.MAX_REASON,
            ),
        ],
    )
    async def pause(self, ctx: Context, until: date, reason: str | None) -> Reply:
        circle = ctx.need_circle()
        r = await lifecycle.pause(ctx.scope, circle, until, reason)
        return Reply(
            ctx.t(
                N_(
                    "{circle} is paused until {date}: {n} meeting(s) skipped, no reminders "
                    "until then. Members have been told. /circle schedule resume ends the "
                    "pause early."
                ),
                circle=circle.name,
                date=until.isoformat(),
                n=r.skipped,
            )
        )

    @command(
        "schedule resume",
        who=[Who.LEADER],
        help=N_("End a pause early; meetings take place again."),
    )
    async def resume(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        r = await lifecycle.resume(ctx.scope, circle)
        if r.next_meeting is None:
            return Reply(ctx.t(N_("{circle} is no longer paused."), circle=circle.name))
        return Reply(
            ctx.t(
                N_("{circle} is no longer paused. The next meeting is {when}."),
                circle=circle.name,
                when=ctx.port.format_time(r.next_meeting.start, ZoneInfo(r.zone), ctx.lang),
            )
        )

    @command(
        "manage handover",
        who=[Who.LEADER],
        help=N_("Hand the leader role over to a member (you become a member)."),
        options=[
            Option("member", OptType.USER, N_("the new leader"), required=True),
            Option("from", OptType.USER, N_("organizers: whose leader role passes on")),
        ],
    )
    async def handover(self, ctx: Context, member: str, **rest: str | None) -> Reply:
        circle = ctx.need_circle()
        old = await lifecycle.handover(ctx.scope, circle, member, rest.get("from"))
        return Reply(
            ctx.t(
                N_("{new} now leads {circle} instead of {old}; both have been told."),
                new=ctx.port.mention(member),
                circle=circle.name,
                old=ctx.port.mention(old),
            )
        )

    @command(
        "mentor assign",
        who=[Who.ORGANIZER],
        help=N_("Give the circle its mentor, or change it; the mentor and the circle are told."),
        options=[Option("mentor", OptType.USER, N_("the mentor"), required=True)],
    )
    async def assign(self, ctx: Context, mentor: str) -> Reply:
        circle = ctx.need_circle()
        previous = await lifecycle.assign_mentor(ctx.scope, circle, mentor)
        text = ctx.t(
            N_("{person} is now the mentor of {circle}."),
            person=ctx.port.mention(mentor),
            circle=circle.name,
        )
        if previous:
            text += " " + ctx.t(
                N_("{person} is no longer its mentor and has been told."),
                person=ctx.port.mention(previous),
            )
        return Reply(text)

    @command(
        "manage decline",
        who=[Who.LEADER],
        help=N_("Turn down a request to join (the person is told kindly)."),
        options=[Option("member", OptType.USER, N_("who asked to join"), required=True)],
    )
    async def decline(self, ctx: Context, member: str) -> Reply:
        circle = ctx.need_circle()
        await lifecycle.decline(ctx.scope, circle, member)
        return Reply(
            ctx.t(
                N_("Declined {person}'s request to join {circle}; they have been told."),
                person=ctx.port.mention(member),
                circle=circle.name,
            )
        )

    @command(
        "manage transfer",
        who=[Who.ORGANIZER],
        help=N_("Move a member to another circle; their records stay."),
        options=[
            Option("member", OptType.USER, N_("the member to move"), required=True),
            Option("to", OptType.CIRCLE, N_("the circle they move to"), required=True),
        ],
    )
    async def transfer(self, ctx: Context, member: str, to: Circle) -> Reply:
        circle = ctx.need_circle()
        r = await lifecycle.transfer(ctx.scope, circle, member, to)
        text = (
            N_("Moved {person} from {old} to {new}; they are on its waitlist.")
            if r.outcome is circles.Added.WAITLISTED
            else N_("Moved {person} from {old} to {new}; they have been welcomed there.")
        )
        return Reply(ctx.t(text, person=ctx.port.mention(member), old=circle.name, new=to.name))

    @command(
        "manage archive",
        who=[Who.ORGANIZER],
        help=N_("Close a circle: channel archived, no more meetings; its figures are kept."),
    )
    async def archive(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        await lifecycle.archive(ctx.scope, circle)
        return Reply(
            ctx.t(
                N_(
                    "{circle} is archived: its channel is read-only and no more meetings or "
                    "reminders go out. Its figures stay in /circle mentor status."
                ),
                circle=circle.name,
            )
        )
