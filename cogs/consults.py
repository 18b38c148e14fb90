"""Consults: privately ask the circle's mentor for support; the mentor acknowledges."""

from __future__ import annotations

import re

from bot.commands import words
from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import consults
from bot.i18n import N_
from bot.port import Form, FormField

_TRAILING_ANON = re.compile(r"\s+anonymous:(\S+)\s*$", re.IGNORECASE)
_YES = ("yes", "y", "true", "on")
_NO = ("no", "n", "false", "off")


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
            # In any catalog language: "anonymous:sí" must keep the name out just the same.
            found = _TRAILING_ANON.search(message)
            word = found[1].lower() if found else ""
            is_yes = word in _YES or words.means(word, "yes")
            if found and anonymous is None and (is_yes or word in _NO or words.means(word, "no")):
                anonymous = is_yes
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
        if not asked.delivered:
            return Reply(
                ctx.t(
                    N_(
                        "Your request did not reach the mentor of {circle}: they do not accept "
                        "direct messages from the bot right now. The bot did not keep its words, "
                        "so please send it again later. The mentor will see privately that a "
                        "request is waiting (request {id}) and can answer you through the bot. "
                        "If you need help now, see /circle resources."
                    ),
                    circle=circle.name,
                    id=asked.id,
                )
            )
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
            Option("seal", OptType.WORD, N_("ignored (older Acknowledge buttons)"), max_length=200),
        ],
    )
    async def ack(self, ctx: Context, id: int, seal: str | None) -> Reply:
        circle = ctx.need_circle()
        _, told = await consults.acknowledge(ctx.scope, circle, id, ctx.is_organizer)
        if told:
            return Reply(
                ctx.t(N_("Acknowledged request {id}; the person who asked was told."), id=id)
            )
        return Reply(
            ctx.t(
                N_(
                    "Acknowledged request {id}. The bot could not reach the person who asked "
                    "privately, so they were not told."
                ),
                id=id,
            )
        )

    @command(
        "mentor reply",
        who=[Who.MENTOR],
        help=N_(
            "Answer a consult request through the bot; an anonymous person stays anonymous. "
            "The bot delivers your words and does not keep them."
        ),
        options=[
            Option("id", OptType.INT, N_("the request's number"), required=True, min=1),
            Option(
                "message",
                OptType.TEXT,
                N_("your answer"),
                rest=True,
                max_length=consults.MAX_TEXT,
            ),
        ],
    )
    async def reply(self, ctx: Context, id: int, message: str | None) -> Reply:
        circle = ctx.need_circle()
        if not message or not message.strip():
            return Reply(
                ctx.t(
                    N_('Write your answer after the command: /circle mentor reply id:{id} "…"'),
                    id=id,
                ),
                form=Form(
                    ctx.t(N_("Answer the request")),
                    "mentor reply",
                    (
                        FormField(
                            "message",
                            ctx.t(N_("Your answer")),
                            multiline=True,
                            max_length=consults.MAX_TEXT,
                        ),
                    ),
                    {"id": str(id), "circle": f"#{circle.id}"},
                ),
            )
        if await consults.reply(ctx.scope, circle, id, message, ctx.is_organizer):
            return Reply(
                ctx.t(
                    N_(
                        "Your answer to request {id} was delivered privately. The bot did not "
                        "keep its words."
                    ),
                    id=id,
                )
            )
        return Reply(
            ctx.t(
                N_(
                    "Your answer to request {id} could not be delivered: the bot has no private "
                    "way to reach the person who asked any more. Nothing of it was kept."
                ),
                id=id,
            )
        )
