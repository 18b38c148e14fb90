"""The circle format: session start, here, next, pass and end."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import sessions
from bot.i18n import N_

TURN = Option("turn", OptType.WORD, N_("the turn a button belongs to (buttons fill it in)"))


class SessionsCog(Cog):
    @command(
        "session start",
        who=[Who.LEADER, Who.MENTOR],
        help=N_(
            "Ring the opening bell: people say they are here, then rounds with a talking piece."
        ),
        options=[
            Option("minutes", OptType.INT, N_("minutes per person"), min=1, max=30, default="3"),
            Option("rounds", OptType.INT, N_("how many rounds"), min=1, max=5, default="1"),
            Option("present", OptType.USERS, N_("who is here: the rounds begin at once")),
        ],
    )
    async def start(
        self, ctx: Context, minutes: int, rounds: int, present: list[str] | None
    ) -> Reply:
        circle = ctx.need_circle()
        r = await sessions.start(ctx.scope, circle, ctx.membership, minutes, rounds, present)
        if r.gathering:
            return Reply(
                ctx.t(
                    N_(
                        "The opening bell has rung in {circle}. Here so far: {n}. Correct the "
                        "list with /circle session here @a @b; begin the rounds with /circle "
                        "session next."
                    ),
                    circle=circle.name,
                    n=len(r.present),
                )
            )
        return Reply(ctx.t(N_("The session has started in {circle}."), circle=circle.name))

    @command(
        "session here",
        who=[Who.MEMBER],
        help=N_("Say you are here (anyone), or set who is here: @a @b (a leader)."),
        options=[Option("people", OptType.USERS, N_("leaders: everyone who is here"))],
    )
    async def here(self, ctx: Context, people: list[str] | None) -> Reply:
        circle = ctx.need_circle()
        r = await sessions.here(
            ctx.scope, circle, ctx.membership, people or [], is_organizer=ctx.is_organizer
        )
        if not people:
            text = (
                N_("Welcome. You are marked present; the talking piece will come to you.")
                if r.added
                else N_("You are already marked present.")
            )
            return Reply(ctx.t(text))
        return Reply(
            ctx.t(
                N_("Here now ({n}): {people}."),
                n=len(r.present),
                people=", ".join(ctx.port.mention(p) for p in r.present),
            )
        )

    @command(
        "session next",
        who=[Who.MEMBER],
        help=N_(
            "Pass the talking piece on (the current speaker or a leader); a leader's first "
            "next begins the rounds."
        ),
        options=[TURN],
    )
    async def next_(self, ctx: Context, turn: str | None) -> Reply:
        return await self._advance(ctx, passing=False, turn=turn)

    @command(
        "session pass",
        who=[Who.MEMBER],
        help=N_("Pass your turn (the current speaker)."),
        options=[TURN],
    )
    async def pass_(self, ctx: Context, turn: str | None) -> Reply:
        return await self._advance(ctx, passing=True, turn=turn)

    @command(
        "session end",
        who=[Who.LEADER, Who.MENTOR],
        help=N_("Ring the closing bell and record who was here."),
    )
    async def end(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        n = await sessions.end(ctx.scope, circle)
        return Reply(
            ctx.tn(
                "The session has ended; {n} person took part. To correct who was here: "
                "/circle attendance present:@a @b",
                "The session has ended; {n} people took part. To correct who was here: "
                "/circle attendance present:@a @b",
                n,
            )
        )

    async def _advance(self, ctx: Context, *, passing: bool, turn: str | None) -> Reply:
        circle = ctx.need_circle()
        r = await sessions.advance(
            ctx.scope,
            circle,
            ctx.membership,
            passing=passing,
            is_organizer=ctx.is_organizer,
            turn=turn,
        )
        if r.holder is None:
            return Reply(ctx.t(N_("That was the last turn.")))
        return Reply(
            ctx.t(N_("The talking piece is now with {person}."), person=ctx.port.mention(r.holder))
        )
