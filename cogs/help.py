"""Help: the commands this person may run, grouped by role with an example each, from the same
declarations; ``help schedule`` explains one command or group. A person in distress (``help me``,
``ayuda``, ``i need help``, ``crisis``) is shown the crisis resources first."""

from __future__ import annotations

import difflib

from bot.commands import words
from bot.commands.context import Context
from bot.commands.grammar import CRISIS_TOPIC, crisis
from bot.commands.permissions import may_run
from bot.commands.reply import Reply
from bot.commands.spec import CircleUse, Cog, CommandSpec, Option, OptType, Registry, Who, command
from bot.core import circles
from bot.i18n import N_
from cogs.support import resource_lines
from storage.models import Membership

GROUPS = (
    (Who.ANYONE, N_("Anyone:")),
    (Who.MEMBER, N_("As a member of a circle:")),
    (Who.LEADER, N_("As a leader:")),
    (Who.MENTOR, N_("As a mentor:")),
    (Who.ORGANIZER, N_("As an organizer:")),
)
_ORDER = [who for who, _ in GROUPS]


def group_of(spec: CommandSpec) -> Who:
    """The least role that may run the command: where help lists it."""
    return min(spec.who, key=_ORDER.index) if spec.who else Who.ORGANIZER


class HelpCog(Cog):
    def __init__(self) -> None:
        self.registry: Registry | None = None

    @command(
        "help",
        who=[Who.ANYONE],
        help=N_("The commands you can use, or one command's options and examples."),
        circle=CircleUse.OPTIONAL,
        options=[
            Option("topic", OptType.TEXT, N_("a command, like schedule"), rest=True, max_length=100)
        ],
    )
    async def help(self, ctx: Context, topic: str | None) -> Reply:
        assert self.registry is not None, "set when the registry is built"
        if topic and (topic == CRISIS_TOPIC or crisis(topic) or crisis(f"help {topic}")):
            return Reply(self._crisis(ctx))
        if topic:
            return Reply(self._topic(ctx, topic.lower().removeprefix("/circle ").strip()))
        roles: list[Membership | None] = [ctx.membership]
        if ctx.circle is None:
            roles += await circles.roles_here(ctx.scope)
        lines = [ctx.t(N_("Commands you can use (type /circle before each):"))]
        for who, title in GROUPS:
            mine = [
                spec
                for spec in self.registry
                if group_of(spec) is who and any(may_run(spec, ctx.is_organizer, m) for m in roles)
            ]
            if not mine:
                continue
            lines += ["", ctx.t(title)]
            for spec in mine:
                lines.append(f"  {spec.example_in(ctx.lang)}\n      {ctx.t(spec.help)}")
        lines += [
            "",
            ctx.t(N_("For one command's options and examples: /circle help schedule.")),
            ctx.t(N_("If you are struggling right now: /circle resources.")),
        ]
        return Reply("\n".join(lines))

    def _crisis(self, ctx: Context) -> str:
        return "\n".join(
            [
                *resource_lines(ctx),
                "",
                ctx.t(
                    N_(
                        "To reach your circle's mentor privately: /circle consult \"what is "
                        'happening" (add anonymous:yes to leave your name out). Only the mentor '
                        "sees it."
                    )
                ),
                "",
                ctx.t(N_("For everything else the bot can do: /circle help.")),
            ]
        )

    def _topic(self, ctx: Context, topic: str) -> str:
        assert self.registry is not None
        specs = [s for s in self.registry if s.name == topic or s.name.startswith(topic + " ")]
        if not specs:
            names = sorted({s.name for s in self.registry} | set(self.registry.groups()))
            close = difflib.get_close_matches(topic, names, n=2, cutoff=0.6)
            if close:
                return ctx.t(
                    N_('There is no command "{topic}". Did you mean /circle help {close}?'),
                    topic=topic,
                    close=" or /circle help ".join(close),
                )
            return ctx.t(
                N_('There is no command "{topic}". Type /circle help to see what you can run.'),
                topic=topic,
            )
        out: list[str] = []
        for spec in specs:
            if out:
                out.append("")
            out += self._one(ctx, spec)
        return "\n".join(out)

    def _one(self, ctx: Context, spec: CommandSpec) -> list[str]:
        who = ", ".join(
            ctx.t(w.value) for w in sorted(spec.who | {Who.ORGANIZER}, key=_ORDER.index)
        )
        lines = [
            f"/circle {spec.name} — {ctx.t(spec.help)}",
            ctx.t(N_("Who may run it: {who}"), who=who),
            ctx.t(N_("Usage: {usage}"), usage=spec.usage(ctx.lang)),
        ]
        if spec.options:
            lines.append(ctx.t(N_("Options:")))
            for opt in spec.options:
                lines.append(f"  {opt.name}: {ctx.t(opt.help)}{self._detail(ctx, opt)}")
        if "[circle:NAME]" in spec.usage():  # the English usage names it the same in every one
            lines.append(
                "  circle: "
                + ctx.t(N_("which circle, when you are in more than one (or its channel)"))
            )
        if spec.examples:
            lines.append(ctx.t(N_("Examples:")))
            lines += [f"  /circle {e}" for e in dict.fromkeys(spec.examples_in(ctx.lang))]
        return lines

    def _detail(self, ctx: Context, opt: Option) -> str:
        parts = []
        if opt.required:
            parts.append(ctx.t(N_("required")))
        if opt.choices and len(opt.choices) > 2:
            shown = ", ".join(words.shown(c, ctx.lang) for c in opt.choices)
            parts.append(ctx.t(N_("one of {choices}"), choices=shown))
        if opt.default:
            parts.append(ctx.t(N_("default {default}"), default=words.shown(opt.default, ctx.lang)))
        if opt.rest:
            parts.append(ctx.t(N_("takes the rest of the line, up to the next option")))
        if opt.type is OptType.DATE and "like" not in opt.help:
            parts.append(ctx.t(N_("like 2026-03-14, tomorrow, next tuesday or 3 March")))
        if opt.type is OptType.TIME and "like" not in opt.help:
            parts.append(ctx.t(N_("like 19:00, 7pm or 19h")))
        return f" ({'; '.join(parts)})" if parts else ""
