"""Prompts for art, writing, play, movement, reflection, check-ins and closings: post one now,
add your own, list them, or post one automatically before each meeting."""

from __future__ import annotations

import random
from dataclasses import replace

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import Cog, Option, OptType, Who, command
from bot.core import prompts
from bot.i18n import N_, format_span
from bot.port import Form, FormField

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

        def label(p: prompts.Posted) -> str:
            if p.chosen is None:
                return ctx.t(N_("Prompt"))
            return ctx.t(
                N_("Prompt ({kind}, about {minutes} minutes)"),
                kind=ctx.t(p.chosen.kind),
                minutes=p.chosen.minutes,
            )

        await prompts.post(ctx.scope, circle, kind, text, self.rng, label)
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
        await prompts.add(ctx.scope, circle, kind, text, minutes)
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
        c = await prompts.collection(ctx.scope, circle, kind)
        if kind is None:
            lines = [ctx.t(N_("Prompts in {circle} (unused / all):"), circle=circle.name)]
            for k in prompts.KINDS:
                of_kind = [p for p in c.pool if p.kind == k]
                fresh = [p for p in of_kind if not c.used[p.id]]
                lines.append(f"- {ctx.t(k)}: {len(fresh)} / {len(of_kind)}")
            lines.append(ctx.t(N_("See one kind with /circle prompt list KIND.")))
            return Reply("\n".join(lines))
        lines = [ctx.t(N_("{kind} prompts in {circle}:"), kind=ctx.t(kind), circle=circle.name)]
        for p in c.pool:
            mark = ctx.t(N_("used")) if c.used[p.id] else ctx.t(N_("new"))
            own = ctx.t(N_(", this circle's own")) if p.circle_id else ""
            lines.append(f"- [{mark}{own}] ({p.minutes} min) {prompts.text_in(p, ctx.lang)}")
        return Reply("\n".join(lines))

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
        r = await prompts.set_schedule(ctx.scope, circle, kind, before)
        if r.before is None:
            return Reply(
                ctx.t(
                    N_("{kind} prompts are no longer posted before meetings of {circle}."),
                    kind=ctx.t(kind),
                    circle=circle.name,
                )
            )
        text = ctx.t(
            N_(
                "A {kind} prompt not used here before will be posted in {circle} {before} before "
                "each meeting."
            ),
            kind=ctx.t(kind),
            circle=circle.name,
            before=format_span(r.before, ctx.lang),
        )
        if not r.has_schedule:
            text += " " + ctx.t(
                N_("Set the meetings first with /circle schedule set day:tuesday time:19:00.")
            )
        return Reply(text)
