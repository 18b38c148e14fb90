"""Meeting reminders: when they go out, and where each member gets them."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import reminders
from bot.i18n import N_, format_list, format_span
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
                offsets=format_list((format_span(o, ctx.lang) for o in r.offsets), ctx.lang),
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
        chosen = await reminders.set_notify(ctx.scope, circle, Notify(where))
        messages = {
            Notify.DM: N_("You will get reminders for {circle} as direct messages."),
            Notify.CHANNEL: N_("You will see reminders for {circle} in the circle's channel."),
            Notify.OFF: N_(
                "You will get no reminders for {circle}. Turn them back on with /circle notify dm."
            ),
        }
        return Reply(ctx.t(messages[chosen], circle=circle.name))
