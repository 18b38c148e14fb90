"""Runs a declared command: resolve the circle, check who may run it, convert options, call it.

One transaction per command: a ``UserError`` or a platform refusal rolls everything back, so bad
input writes nothing. Every platform calls ``run`` (typed values), ``run_text`` (the grammar) or
``submit_form`` (a submitted ``Form``); each returns an ``Outcome``: ok, refused or failed, with
the reply. Autocomplete asks ``circle_choices``.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from dataclasses import replace

from bot.commands import values as values_
from bot.commands.context import Context, Invocation
from bot.commands.grammar import parse
from bot.commands.permissions import may_run
from bot.commands.reply import Outcome, Reply, Status
from bot.commands.spec import CircleUse, CommandSpec, Registry, Who
from bot.core import circles, lifecycle
from bot.core.effects import Effects
from bot.core.errors import UserError
from bot.core.runtime import Core
from bot.i18n import N_, language_of, translate
from bot.ops import metrics
from bot.port import ErrorKind, PlatformError
from storage import repos
from storage.models import Circle
from storage.models import Status as MemberStatus

log = logging.getLogger(__name__)


PLATFORM_ERRORS = {
    ErrorKind.NO_PERMISSION: N_(
        "The bot is missing a permission it needs here ({code}). Nothing was changed. "
        "Ask an organizer to check the bot's permissions, then try again."
    ),
    ErrorKind.GONE: N_(
        "The channel, message or person this needs no longer exists ({code}). Nothing was "
        "changed; ask an organizer to check the circle's channel."
    ),
    ErrorKind.DM_CLOSED: N_("That person does not accept direct messages from the bot ({code})."),
    ErrorKind.RATE_LIMITED: N_(
        "The platform asked the bot to slow down. Nothing was changed; try again in a minute."
    ),
}
UNEXPECTED = N_(
    "Something went wrong on the bot's side, so nothing was changed. Please try again; if it "
    "keeps happening, tell an organizer."
)
PLATFORM_DEFAULT = N_(
    "The platform refused this action ({code}). Nothing was changed; try again, "
    "or ask an organizer if it keeps happening."
)


def with_understood(ctx: Context, reply: Reply, understood: list[values_.Understood]) -> Reply:
    """A private reply starts with what was read from ``tomorrow`` or ``7pm``: never a silent
    guess. (A public reply says the date or time itself.)"""
    if not understood or not reply.private:
        return reply
    return replace(reply, text="\n".join([*values_.understood_lines(ctx, understood), reply.text]))


class Router:
    def __init__(self, core: Core, registry: Registry) -> None:
        self.core = core
        self.registry = registry

    async def run_text(self, inv: Invocation, text: str) -> Outcome:
        """Parse a ``/circle …`` line with the shared grammar, then run it."""
        try:
            parsed = parse(text, self.registry)
        except UserError as err:
            lang = language_of(inv.locale) or self._default_lang()
            reply = Reply(translate(err.message, lang, **err.values))
            return Outcome(Status.REFUSED, reply)
        return await self.run(inv, parsed.spec, parsed.values)

    async def submit_form(
        self,
        inv: Invocation,
        command: str,
        fixed: Mapping[str, str],
        fields: Mapping[str, str],
    ) -> Outcome:
        """Run a submitted ``Form``: its command line, then its fixed values, then what the
        person filled in (blank fields count as not given)."""
        try:
            parsed = parse(command, self.registry)
        except UserError as err:
            lang = language_of(inv.locale) or self._default_lang()
            reply = Reply(translate(err.message, lang, **err.values))
            return Outcome(Status.REFUSED, reply)
        values: dict[str, str | list[str]] = dict(parsed.values)
        values.update(fixed)
        values.update({name: text for name, text in fields.items() if text.strip()})
        return await self.run(inv, parsed.spec, values)

    async def circle_choices(self, inv: Invocation, typed: str) -> list[str]:
        """Circle names for autocomplete: the person's own circles first, then the others of
        the workspace (names are needed to ask to join), those containing ``typed``."""
        typed = typed.strip().lower()
        async with self.core.sessions() as s:
            mine = [
                c.name for c in await repos.circles_of(s, inv.platform, inv.workspace, inv.user)
            ]
            every = [c.name for c in await repos.circles_in(s, inv.platform, inv.workspace)]
        ordered = mine + [n for n in every if n not in mine]
        return [n for n in ordered if typed in n.lower()]

    async def run(
        self, inv: Invocation, spec: CommandSpec, values: dict[str, str | list[str]]
    ) -> Outcome:
        port = self.core.port(inv.platform)
        # The person's own language (Discord's interaction locale, Slack's users.info locale)
        # words what concerns only them: errors, and the commands anyone may run (help,
        # resources, privacy, export, forget-me). The circle's language words the rest.
        reader = language_of(inv.locale)
        lang = reader or self._default_lang()
        outcome = "failed"
        effects = Effects()
        async with self.core.sessions() as session:
            try:
                async with session.begin():
                    ctx = Context(
                        inv=inv,
                        core=self.core,
                        session=session,
                        port=port,
                        circle=None,
                        membership=None,
                        is_organizer=self.core.is_organizer(
                            inv.platform, inv.user, inv.organizer_hint
                        ),
                        lang=lang,
                        effects=effects,
                    )
                    await self._resolve_circle(ctx, spec, values)
                    if reader and Who.ANYONE in spec.who and spec.circle is not CircleUse.REQUIRED:
                        ctx.lang = reader
                    lang = reader or ctx.lang
                    await self._check(ctx, spec)
                    kwargs, understood = await values_.convert(ctx, spec, values)
                    assert spec.handler is not None
                    reply = with_understood(ctx, await spec.handler(ctx, **kwargs), understood)
                # No user in these lines: console IDs are names, and IDs next to a command name
                # could link a person to what they did (an anonymous consult above all; the
                # metrics count the same).
                log.info("command ok name=%s", spec.name)
                outcome = "ok"
                await effects.committed()
                return Outcome(Status.OK, reply, spec.name)
            except UserError as err:
                await effects.rolled_back()
                log.info("command refused name=%s", spec.name)
                outcome = "refused"
                reply = Reply(translate(err.message, lang, **err.values))
                return Outcome(Status.REFUSED, reply, spec.name)
            except PlatformError as err:
                await effects.rolled_back()
                log.warning("platform error name=%s kind=%s code=%s", spec.name, err.kind, err.code)
                outcome = "platform_error"
                message = PLATFORM_ERRORS.get(err.kind, PLATFORM_DEFAULT)
                reply = Reply(translate(message, lang, code=err.code))
                return Outcome(Status.FAILED, reply, spec.name, err.kind)
            except Exception as exc:  # a bug: roll back, tell the person, keep running
                await effects.rolled_back()
                # Frames only: an exception's message could quote what someone typed.
                frames = "".join(traceback.format_tb(exc.__traceback__))
                log.error(
                    "command failed name=%s error=%s\n%s", spec.name, type(exc).__name__, frames
                )
                return Outcome(Status.FAILED, Reply(translate(UNEXPECTED, lang)), spec.name)
            finally:
                metrics.command(spec.name, outcome)

    # -- permissions ---------------------------------------------------------------------------

    async def _check(self, ctx: Context, spec: CommandSpec) -> None:
        if may_run(spec, ctx.is_organizer, ctx.membership):
            return
        m = ctx.membership
        if (
            m is not None
            and ctx.circle is not None
            and m.status in (MemberStatus.WAITLISTED, MemberStatus.PENDING)
        ):
            if spec.name in circles.WAITING_MAY:
                return
            waiting = await circles.waiting_for(ctx.session, ctx.platform, ctx.workspace, ctx.user)
            raise circles.waiting_error([w for w in waiting if w.circle == ctx.circle.name])
        if ctx.circle is None and spec.circle is not CircleUse.REQUIRED:
            # Not about one circle: a role held in any circle here is enough (e.g. mentors).
            held = await repos.active_roles(ctx.session, ctx.platform, ctx.workspace, ctx.user)
            if any(may_run(spec, False, m) for m in held):
                return
        if ctx.circle is None and spec.circle is not CircleUse.NONE:
            raise UserError(
                N_(
                    "/circle {name} acts on a circle you are part of. Add circle:NAME, "
                    "or run it in the circle's channel."
                ),
                name=spec.name,
            )
        roles = ", ".join(ctx.t(w.value) for w in sorted(spec.who | {Who.ORGANIZER}))
        raise UserError(
            N_(
                "Only these people can run /circle {name}: {roles}. Type /circle help to see "
                "what you can run."
            ),
            name=spec.name,
            roles=roles,
        )

    # -- circle resolution ---------------------------------------------------------------------

    async def _resolve_circle(
        self, ctx: Context, spec: CommandSpec, values: dict[str, str | list[str]]
    ) -> None:
        if spec.circle is CircleUse.NONE:
            return
        s, inv = ctx.session, ctx.inv
        named = values.pop("circle", None) if spec.option("circle") is None else None
        circle: Circle | None = None
        if isinstance(named, str) and named.strip():
            circle = await self.find_circle(ctx, named)
        elif inv.channel:
            circle = await repos.circle_by_channel(s, inv.platform, inv.workspace, inv.channel)
        if circle is None and not named:
            mine = await repos.circles_of(s, inv.platform, inv.workspace, inv.user)
            if len(mine) == 1:
                circle = mine[0]
            elif len(mine) > 1 and spec.circle is CircleUse.REQUIRED:
                raise UserError(
                    N_("You are in more than one circle ({names}). Add circle:NAME to say which."),
                    names=", ".join(c.name for c in mine),
                )
            elif ctx.is_organizer and spec.circle is CircleUse.REQUIRED:
                every = await repos.circles_in(s, inv.platform, inv.workspace)
                if len(every) == 1:
                    circle = every[0]
        if circle is None and spec.circle is CircleUse.REQUIRED:
            waiting = await circles.waiting_for(s, inv.platform, inv.workspace, inv.user)
            if len(waiting) == 1 and not named and spec.name in circles.WAITING_MAY:
                circle = await repos.circle_by_id(
                    s, inv.platform, inv.workspace, waiting[0].circle_id
                )
            elif waiting and not named:
                raise circles.waiting_error(waiting)
        if circle is None and spec.circle is CircleUse.REQUIRED:
            raise UserError(
                N_(
                    "Which circle? Add circle:NAME (see /circle list), or run the command in the "
                    "circle's channel. To ask to join one: /circle join NAME."
                )
            )
        if circle is not None:
            lifecycle.check_open(circle, spec.name)
            ctx.circle = circle
            ctx.lang = circle.language
            ctx.membership = await repos.membership(s, circle.id, inv.user)

    async def find_circle(self, ctx: Context, text: str) -> Circle:
        """A circle of this workspace by name, or by ``#id`` (what buttons carry)."""
        return await values_.circle_named(ctx, text)

    def _default_lang(self) -> str:
        return self.core.settings.file.circles.language
