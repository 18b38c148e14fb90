"""Meeting reminders: when they go out, and where each member gets them."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import meetings, reminders
from bot.core.durations import format_duration
from bot.i18n import N_, format_list, format_span
from storage.models import Notify


class RemindersCog(Cog):
    @command(
        "reminders set",
        who=[Who.LEADER],
        help=N_("When reminders go out before each meeting, e.g. 24h,1h; off for none."),
        options=[
            Option(
                "offsets",
                OptType.TEXT,
                N_("durations before the start, like 24h,1h or 2d,30m; or off"),
                required=True,
                max_length=100,
            )
        ],
    )
    async def reminders_set(self, ctx: Context, offsets: str) -> Reply:
        circle = ctx.need_circle()
        r = await reminders.set_offsets(ctx.scope, circle, offsets)
        if not r.offsets:
            return Reply(
                ctx.t(
                    N_(
                        "Reminders for {circle} are off: none go out before meetings. Turn them "
                        "back on with /circle reminders set 24h,1h."
                    ),
                    circle=circle.name,
                )
            )
        return Reply(
            ctx.t(
                N_("Reminders for {circle} now go out {offsets} before each meeting."),
                circle=circle.name,
                offsets=format_list((format_span(o, ctx.lang) for o in r.offsets), ctx.lang),
            )
        )

    @command(
        "reminders show",
        who=[Who.MEMBER],
        help=N_("When reminders go out, where you get them, and the next meeting's."),
    )
    async def reminders_show(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        v = await reminders.show(ctx.scope, circle)
        zone = ZoneInfo(v.zone)
        lines = [
            ctx.t(
                N_("Reminders for {circle} go out {offsets} before each meeting."),
                circle=circle.name,
                offsets=", ".join(format_duration(o) for o in v.offsets),
            )
            if v.offsets
            else ctx.t(N_("Reminders for {circle} are off."), circle=circle.name)
        ]
        if v.notify is not None:
            where = {
                Notify.DM: N_("You get them as direct messages."),
                Notify.CHANNEL: N_("You see them in the circle's channel."),
                Notify.OFF: N_("You get none (/circle notify dm turns them on)."),
            }
            lines.append(ctx.t(where[v.notify]))
        if v.next_meeting is not None:
            when = ctx.port.format_time(v.next_meeting.start, zone, ctx.lang)
            if v.muted:
                lines.append(
                    ctx.t(N_("You asked for no reminders for the meeting {when}."), when=when)
                )
            elif v.due:
                lines.append(
                    ctx.t(
                        N_("For the meeting {when}: {times}."),
                        when=when,
                        times=", ".join(ctx.port.format_time(d, zone, ctx.lang) for d in v.due),
                    )
                )
        return Reply("\n".join(lines))

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
            when = ctx.port.format_time(m.occ.start, m.zone, ctx.lang)
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
