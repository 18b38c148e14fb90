"""Help: only the commands this person may run, from the same declarations."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.permissions import may_run
from bot.commands.reply import Reply
from bot.commands.spec import CircleUse, Cog, Registry, Who, command
from bot.core import circles
from bot.i18n import N_
from storage.models import Membership


class HelpCog(Cog):
    def __init__(self) -> None:
        self.registry: Registry | None = None

    @command(
        "help", who=[Who.ANYONE], help=N_("The commands you can use."), circle=CircleUse.OPTIONAL
    )
    async def help(self, ctx: Context) -> Reply:
        assert self.registry is not None, "set when the registry is built"
        roles: list[Membership | None] = [ctx.membership]
        if ctx.circle is None:
            roles += await circles.roles_here(ctx.scope)
        lines = [ctx.t(N_("Commands you can use:"))]
        for spec in self.registry:
            if any(may_run(spec, ctx.is_organizer, m) for m in roles):
                lines.append(f"{spec.usage()}\n    {ctx.t(spec.help)}")
        return Reply("\n".join(lines))
