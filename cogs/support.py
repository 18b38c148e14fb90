"""Crisis and support resources, shown privately to anyone."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import CircleUse, Cog, Who, command
from bot.config import resources_for
from bot.i18n import N_


class SupportCog(Cog):
    @command(
        "resources",
        who=[Who.ANYONE],
        help=N_("Crisis and support lines, shown only to you."),
        circle=CircleUse.OPTIONAL,
    )
    async def resources(self, ctx: Context) -> Reply:
        return Reply("\n".join(resource_lines(ctx)))


def resource_lines(ctx: Context) -> list[str]:
    """The crisis lines of the configuration, after one sentence on when to use them (also what
    help shows first to someone who types "help me")."""
    lines = [
        ctx.t(
            N_(
                "If you are in danger or might harm yourself, contact emergency services or "
                "a crisis line now. Circles are peer support, not emergency care."
            )
        ),
        "",
    ]
    for r in resources_for(ctx.core.settings.file.resources, ctx.lang):
        where = f" ({r.region})" if r.region else ""
        lines.append(f"- {r.name}{where}: {r.contact}")
    return lines
