"""The circle format: session start, next, pass and end."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import sessions
from bot.i18n import N_


class SessionsCog(Cog):
    @command(
        "session start",
        who=[Who.LEADER, Who.MENTOR],
        help=N_("Ring the opening bell and start rounds with a talking piece."),
        options=[
            Option("minutes", OptType.INT, N_("minutes per person"), min=1, max=30, default="3"),
            Option("rounds", OptType.INT, N_("how many rounds"), min=1, max=5, default="1"),
        ],
    )
    async def start(self, ctx: Context, minutes: int, rounds: int) -> Reply:
        circle = ctx.need_circle()
        await sessions.start(ctx.scope, circle, ctx.membership, minutes, rounds)
        return Reply(ctx.t(N_("The session has started in {circle}."), circle=circle.name))

    @command(
        "session next",
        who=[Who.MEMBER],
        help=N_("Pass the talking piece on (the current speaker or a leader)."),
    )
    async def next_(self, ctx: Context) -> Reply:
        return await self._advance(ctx, passing=False)

    @command("session pass", who=[Who.MEMBER], help=N_("Pass your turn (the current speaker)."))
    async def pass_(self, ctx: Context) -> Reply:
        return await self._advance(ctx, passing=True)

    @command(
        "session end",
        who=[Who.LEADER, Who.MENTOR],
        help=N_("Ring the closing bell and record who took part."),
    )
    async def end(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        n = await sessions.end(ctx.scope, circle)
        return Reply(
            ctx.tn(
                "The session has ended; {n} person took part.",
                "The session has ended; {n} people took part.",
                n,
            )
        )

    async def _advance(self, ctx: Context, *, passing: bool) -> Reply:
        circle = ctx.need_circle()
        holder = await sessions.advance(
            ctx.scope, circle, ctx.membership, passing=passing, is_organizer=ctx.is_organizer
        )
        if holder is None:
            return Reply(ctx.t(N_("That was the last turn.")))
        return Reply(
            ctx.t(N_("The talking piece is now with {person}."), person=ctx.port.mention(holder))
        )
