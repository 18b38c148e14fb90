"""Prompts for art, writing, play, movement, reflection, check-ins and closings."""

from __future__ import annotations

import random
from dataclasses import replace

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import prompts
from bot.i18n import N_
from bot.port import Form, FormField, Message
from storage.models import Prompt

KIND = Option("kind", OptType.CHOICE, N_("the kind of prompt"), choices=prompts.KINDS)
KIND_REQUIRED = replace(KIND, required=True)


class PromptsCog(Cog):
    def __init__(self, rng: random.Random | None = None) -> None:
        self.rng = rng or random.Random()

    @command(
        "prompt post",
        who=[Who.LEADER],
        help=N_("Post a prompt in the circle now: one not used here yet, or your own words."),
        options=[
            KIND,
            Option("text", OptType.TEXT, N_("your own prompt"), rest=True, max_length=1000),
        ],
    )
    async def post(self, ctx: Context, kind: str | None, text: str | None) -> Reply:
        circle = ctx.need_circle()
        if text:
            body = text
            label = ctx.t(N_("Prompt"))
        else:
            chosen = await prompts.pick(ctx.session, circle, kind, self.rng)
            prompts.record_use(ctx.session, circle, chosen, ctx.user, ctx.now())
            body = chosen.text
            label = ctx.t(
                N_("Prompt ({kind}, about {minutes} minutes)"),
                kind=ctx.t(chosen.kind),
                minutes=chosen.minutes,
            )
        assert circle.channel_id is not None
        await ctx.port.post(ctx.workspace, circle.channel_id, Message(f"{label}: {body}"))
        return Reply(ctx.t(N_("Posted the prompt in {circle}."), circle=circle.name))

    @command(
        "prompt add",
        who=[Who.LEADER],
        help=N_("Add your own prompt to this circle's collection."),
        options=[
            KIND_REQUIRED,
            Option("text", OptType.TEXT, N_("the prompt"), rest=True, max_length=1000),
            Option("minutes", OptType.INT, N_("suggested minutes"), min=1, max=120),
        ],
    )
    async def add(self, ctx: Context, kind: str, text: str | None, minutes: int | None) -> Reply:
        circle = ctx.need_circle()
        if not text:
            return Reply(
                ctx.t(
                    N_('Write the prompt after the kind: /circle prompt add {kind} "your prompt"'),
                    kind=kind,
                ),
                form=Form(
                    ctx.t(N_("Add a prompt")),
                    "prompt add",
                    (FormField("text", ctx.t(N_("Prompt")), multiline=True),),
                    {"kind": kind, "circle": f"#{circle.id}"},
                ),
            )
        ctx.session.add(
            Prompt(
                circle_id=circle.id,
                kind=kind,
                text=text,
                minutes=minutes or 10,
                module="tools",
                created_at=ctx.now(),
                created_by=ctx.user,
            )
        )
        return Reply(
            ctx.t(N_("Added a {kind} prompt to {circle}."), kind=ctx.t(kind), circle=circle.name)
        )

    @command(
        "prompt list",
        who=[Who.LEADER],
        help=N_("How many prompts of each kind are left unused here, or a kind's prompts."),
        options=[KIND],
    )
    async def list_(self, ctx: Context, kind: str | None) -> Reply:
        circle = ctx.need_circle()
        pool = await prompts.available(ctx.session, circle, kind)
        used = await prompts.use_counts(ctx.session, circle)
        if kind is None:
            lines = [ctx.t(N_("Prompts in {circle} (unused / all):"), circle=circle.name)]
            for k in prompts.KINDS:
                of_kind = [p for p in pool if p.kind == k]
                fresh = [p for p in of_kind if not used[p.id]]
                lines.append(f"- {ctx.t(k)}: {len(fresh)} / {len(of_kind)}")
            lines.append(ctx.t(N_("See one kind with /circle prompt list KIND.")))
            return Reply("\n".join(lines))
        lines = [ctx.t(N_("{kind} prompts in {circle}:"), kind=ctx.t(kind), circle=circle.name)]
        for p in pool:
            mark = ctx.t(N_("used")) if used[p.id] else ctx.t(N_("new"))
            own = ctx.t(N_(", this circle's own")) if p.circle_id else ""
            lines.append(f"- [{mark}{own}] ({p.minutes} min) {p.text}")
        return Reply("\n".join(lines))
