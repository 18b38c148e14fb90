"""``prompt schedule kind before``: a prompt posted automatically before each meeting."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import reminders, schedules
from bot.core.durations import MAX_OFFSET, format_duration, parse_duration
from bot.core.errors import UserError
from bot.i18n import N_
from cogs.prompts import KIND_REQUIRED
from storage import repos


class PromptScheduleCog(Cog):
    @command(
        "prompt schedule",
        who=[Who.LEADER],
        help=N_("Post a prompt of a kind automatically before each meeting (before:off stops it)."),
        options=[
            KIND_REQUIRED,
            Option(
                "before",
                OptType.WORD,
                N_("how long before the meeting, like 1h or 30m; off to stop"),
                required=True,
            ),
        ],
    )
    async def schedule(self, ctx: Context, kind: str, before: str) -> Reply:
        circle = ctx.need_circle()
        if before.lower() == "off":
            await reminders.set_prompt_schedule(ctx.session, circle, kind, None, ctx.now())
            await reminders.sync_circle(ctx.session, ctx.core, circle.id)
            repos.audit(
                ctx.session, ctx.now(), circle.id, ctx.user, "prompt.unschedule", None, kind
            )
            return Reply(
                ctx.t(
                    N_("{kind} prompts are no longer posted before meetings of {circle}."),
                    kind=ctx.t(kind),
                    circle=circle.name,
                )
            )
        try:
            delta = parse_duration(before)
        except ValueError:
            delta = None
        if delta is None or delta.total_seconds() < 60 or delta > MAX_OFFSET:
            raise UserError(
                N_(
                    'before: "{text}" is not a duration between 1m and 14d. For example: '
                    "/circle prompt schedule {kind} 1h (or before:off to stop)."
                ),
                text=before,
                kind=kind,
            )
        await reminders.set_prompt_schedule(ctx.session, circle, kind, delta, ctx.now())
        await reminders.sync_circle(ctx.session, ctx.core, circle.id)
        repos.audit(ctx.session, ctx.now(), circle.id, ctx.user, "prompt.schedule", None, kind)
        text = ctx.t(
            N_(
                "A {kind} prompt not used here before will be posted in {circle} {before} before "
                "each meeting."
            ),
            kind=ctx.t(kind),
            circle=circle.name,
            before=format_duration(delta),
        )
        if await schedules.load(ctx.session, circle.id) is None:
            text += " " + ctx.t(
                N_("Set the meetings first with /circle schedule set day:tuesday time:19:00.")
            )
        return Reply(text)
