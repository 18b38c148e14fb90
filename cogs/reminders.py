"""Meeting reminders: when they go out, and where each member gets them."""

from __future__ import annotations

from datetime import date

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import meetings, reminders
from bot.core.durations import format_duration
from bot.i18n import N_
from storage.models import Notify


class RemindersCog(Cog):
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
        r = await reminders.set_offsets(ctx.scope, circle, offsets)
        return Reply(
            ctx.t(
                N_("Reminders for {circle} now go out {offsets} before each meeting."),
                circle=circle.name,
                offsets=", ".join(format_duration(o) for o in r.offsets),
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
            ),
            Option(
                "date",
                OptType.DATE,
                N_("only for the meeting on this date: off stops its reminders"),
            ),
        ],
    )
    async def notify(self, ctx: Context, where: str, date: date | None) -> Reply:
        circle = ctx.need_circle()
        if date is not None:
            m = await meetings.mute(ctx.scope, circle, date, Notify(where) == Notify.OFF)
            when = ctx.port.format_time(m.occ.start, m.zone)
            return Reply(
                ctx.t(
                    N_(
                        "No reminders for the meeting {when}. Your other reminders stay as "
                        "they are."
                    )
                    if m.muted
                    else N_("Reminders for the meeting {when} are back on."),
                    when=when,
                )
            )
        chosen = await reminders.set_notify(ctx.scope, circle, Notify(where))
        messages = {
            Notify.DM: N_("You will get reminders for {circle} as direct messages."),
            Notify.CHANNEL: N_("You will see reminders for {circle} in the circle's channel."),
            Notify.OFF: N_(
                "You will get no reminders for {circle}. Turn them back on with /circle notify dm."
            ),
        }
        return Reply(ctx.t(messages[chosen], circle=circle.name))
