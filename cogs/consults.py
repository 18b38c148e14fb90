"""Consults: privately ask the circle's mentor for support; the mentor acknowledges."""

from __future__ import annotations

import re

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import consults
from bot.i18n import N_
from bot.port import Form, FormField

_TRAILING_ANON = re.compile(r"\s+anonymous:(yes|y|true|on|no|n|false|off)\s*$", re.IGNORECASE)


class ConsultsCog(Cog):
    @command(
        "consult",
        who=[Who.MEMBER],
        help=N_(
            "Privately ask the circle's mentor for support. The bot delivers your words and "
            "does not keep them."
        ),
        options=[
            Option(
                "message",
                OptType.TEXT,
                N_("what you would like support with"),
                rest=True,
                max_length=consults.MAX_TEXT,
            ),
            Option("anonymous", OptType.BOOL, N_("yes to leave your name out")),
        ],
    )
    async def consult(self, ctx: Context, message: str | None, anonymous: bool | None) -> Reply:
        circle = ctx.need_circle()
        if message:
            # "consult I need help anonymous:yes": the words take the rest of the line.
            found = _TRAILING_ANON.search(message)
            if found and anonymous is None:
                anonymous = found[1].lower() in ("yes", "y", "true", "on")
                message = message[: found.start()]
        if not message or not message.strip():
            fixed = {"circle": f"#{circle.id}"}
            if anonymous:
                fixed["anonymous"] = "yes"
            return Reply(
                ctx.t(
                    N_(
                        'Write your request after the command: /circle consult "…" '
                        "(add anonymous:yes to leave your name out)."
                    )
                ),
                form=Form(
                    ctx.t(N_("Ask the mentor")),
                    "consult",
                    (
                        FormField(
                            "message",
                            ctx.t(N_("What would you like support with?")),
                            multiline=True,
                            max_length=consults.MAX_TEXT,
                        ),
                    ),
                    fixed,
                ),
            )
        asked = await consults.ask(ctx.scope, circle, ctx.membership, message, bool(anonymous))
        if anonymous:
            text = N_(
                "Your request went to the mentor of {circle} without your name (request "
                "{id}). The bot did not keep its words; you will get a message here when the "
                "mentor has seen it."
            )
        else:
            text = N_(
                "Your request went to {mentor}, the mentor of {circle} (request {id}). The bot "
                "did not keep its words; you will get a message when they have seen it."
            )
        return Reply(
            ctx.t(text, circle=circle.name, id=asked.id, mentor=ctx.port.mention(asked.mentor))
        )

    @command(
        "mentor ack",
        who=[Who.MENTOR],
        help=N_("Acknowledge a consult request; the person who asked is told."),
        options=[
            Option("id", OptType.INT, N_("the request's number"), required=True, min=1),
            Option("seal", OptType.WORD, N_("set by the Acknowledge button"), max_length=200),
        ],
    )
    async def ack(self, ctx: Context, id: int, seal: str | None) -> Reply:
        circle = ctx.need_circle()
        _, told = await consults.acknowledge(ctx.scope, circle, id, seal, ctx.is_organizer)
        if told:
            return Reply(
                ctx.t(N_("Acknowledged request {id}; the person who asked was told."), id=id)
            )
        return Reply(
            ctx.t(
                N_(
                    "Acknowledged request {id}. It was anonymous and not sent from the button, "
                    "so the person who asked could not be told."
                ),
                id=id,
            )
        )
