"""Ground rules: show, edit (a new version everyone agrees to again), agree."""

from __future__ import annotations

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import rules
from bot.i18n import N_
from bot.port import Form, FormField


class RulesCog(Cog):
    @command("rules show", who=[Who.MEMBER], help=N_("Show the circle's ground rules."))
    async def show(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        current = await rules.show(ctx.scope, circle)
        status = (
            ctx.t(N_("You agreed to this version."))
            if current.agreed
            else ctx.t(N_("You have not agreed to this version yet: /circle rules agree"))
        )
        heading = ctx.t(
            N_("Ground rules of {circle}, version {v}:"), circle=circle.name, v=current.version
        )
        buttons = () if current.agreed else (rules.agree_button(circle, current.version),)
        return Reply(f"{heading}\n{current.text}\n\n{status}", buttons=buttons)

    @command(
        "rules edit",
        who=[Who.LEADER],
        help=N_("Replace the ground rules; everyone is asked to agree again."),
        options=[
            Option(
                "text",
                OptType.TEXT,
                N_("the new ground rules"),
                rest=True,
                max_length=rules.MAX_RULES,
            )
        ],
    )
    async def edit(self, ctx: Context, text: str | None) -> Reply:
        circle = ctx.need_circle()
        if not text:
            current = await rules.current_text(ctx.scope, circle)
            return Reply(
                ctx.t(
                    N_(
                        "Write the new ground rules after the command: /circle rules edit "
                        'text:"1. …"'
                    )
                ),
                form=Form(
                    ctx.t(N_("Edit ground rules")),
                    "rules edit",
                    (
                        FormField(
                            "text",
                            ctx.t(N_("Ground rules")),
                            multiline=True,
                            max_length=rules.MAX_RULES,
                            value=current,
                        ),
                    ),
                    {"circle": f"#{circle.id}"},
                ),
            )
        version = await rules.edit(ctx.scope, circle, text)
        return Reply(
            ctx.t(
                N_(
                    "Ground rules version {v} posted and pinned. Members can post again once "
                    "they agree to it."
                ),
                v=version.version,
            )
        )

    @command(
        "rules agree",
        who=[Who.MEMBER],
        help=N_("Agree to the current ground rules, which lets you post in the circle."),
        options=[Option("version", OptType.INT, N_("the version you read"), min=1)],
    )
    async def agree(self, ctx: Context, version: int | None) -> Reply:
        circle = ctx.need_circle()
        agreed = await rules.agree(ctx.scope, circle, ctx.membership, version)
        return Reply(
            ctx.t(
                N_(
                    "Thank you. You agreed to version {v} of the ground rules of {circle} and "
                    "can post in its channel."
                ),
                v=agreed,
                circle=circle.name,
            )
        )
