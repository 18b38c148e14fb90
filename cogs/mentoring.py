"""Mentors: circle health, the phase-out stage, the attendance chart, and inviting a mentor back."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.commands import words
from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import CircleUse, Cog, Option, OptType, Who, command
from bot.core import charts, health, mentoring
from bot.core.errors import UserError
from bot.i18n import N_, format_day
from bot.port import Attachment, Field, card
from storage.models import Circle, Stage

STAGES = tuple(s.value for s in mentoring.ORDER)
ACTIONS = ("advance", "set", "plan")


@dataclass(frozen=True)
class _Show:
    pass


@dataclass(frozen=True)
class _Advance:
    reason: str | None


@dataclass(frozen=True)
class _Set:
    stage: Stage
    reason: str | None


@dataclass(frozen=True)
class _Plan:
    stage: Stage
    day: date
    reason: str | None


def _parse_stage(
    action: str | None,
    stage: str | None,
    planned: date | None,
    reason: str | None,
    lang: str = "en",
) -> _Show | _Advance | _Set | _Plan:
    """What the ``mentor stage`` options ask for. A combination that makes no sense is a
    message saying what to type instead (with the words a reader of ``lang`` types)."""
    if action is None and stage is not None:
        action = "set"
    if action == "plan" and planned is None and reason:
        # "plan observing 2026-05-11 slower start": the date came as the first word.
        first, _, rest = reason.partition(" ")
        with contextlib.suppress(ValueError):
            planned, reason = date.fromisoformat(first), rest or None
    if action is None:
        if planned is not None or reason:
            raise UserError(
                N_(
                    "Say what to do: /circle mentor stage advance, /circle mentor stage set "
                    "STAGE, or /circle mentor stage plan STAGE planned:YYYY-MM-DD."
                )
            )
        return _Show()
    if action == "advance":
        if stage is not None or planned is not None:
            raise UserError(
                N_(
                    "advance moves to the next stage and takes no stage or date. To choose "
                    "the stage: /circle mentor stage set {stage}."
                ),
                stage=words.shown(stage or "observing", lang),
            )
        return _Advance(reason)
    if stage is None:
        raise UserError(
            N_("Say which stage: /circle mentor stage {action} STAGE (one of {stages})."),
            action=words.shown(action, lang),
            stages=", ".join(words.shown(s, lang) for s in STAGES),
        )
    if action == "set":
        if planned is not None:
            raise UserError(
                N_(
                    "set begins a stage now. To change its planned date: /circle mentor "
                    "stage plan {stage} planned:YYYY-MM-DD."
                ),
                stage=words.shown(stage, lang),
            )
        return _Set(Stage(stage), reason)
    if planned is None:
        raise UserError(
            N_("Give the new date: /circle mentor stage plan {stage} planned:YYYY-MM-DD."),
            stage=words.shown(stage, lang),
        )
    return _Plan(Stage(stage), planned, reason)


class MentoringCog(Cog):
    @command(
        "mentor status",
        who=[Who.MENTOR],
        help=N_("Health of your circles (all circles for organizers): figures only, no content."),
        circle=CircleUse.OPTIONAL,
    )
    async def status(self, ctx: Context) -> Reply:
        found = await health.status(ctx.scope, ctx.circle, ctx.is_organizer)
        if not found:
            return Reply(ctx.t(N_("There are no circles yet. Create one: /circle create NAME.")))
        blocks = ["\n".join(health.describe(h, ctx.port, ctx.lang)) for h in found]
        return Reply("\n\n".join(blocks))

    @command(
        "mentor stage",
        who=[Who.MENTOR],
        help=N_(
            "Show the phase-out stages and their history; advance, set a stage, or plan its date."
        ),
        options=[
            Option("action", OptType.CHOICE, N_("advance, set or plan"), choices=ACTIONS),
            Option("stage", OptType.CHOICE, N_("the stage to set or plan"), choices=STAGES),
            Option(
                "reason",
                OptType.TEXT,
                N_("why, in a few words"),
                rest=True,
                max_length=mentoring.MAX_REASON,
            ),
            Option("planned", OptType.DATE, N_("with plan: the stage's new planned date")),
        ],
    )
    async def stage(
        self,
        ctx: Context,
        action: str | None,
        stage: str | None,
        planned: date | None,
        reason: str | None,
    ) -> Reply:
        circle = ctx.need_circle()
        match _parse_stage(action, stage, planned, reason, ctx.lang):
            case _Show():
                return Reply(await self._show(ctx, circle))
            case _Advance(reason):
                change = await mentoring.advance(ctx.scope, circle, reason)
                return Reply(self._changed(ctx, circle, change))
            case _Set(chosen, reason):
                change = await mentoring.set_stage(ctx.scope, circle, chosen, reason)
                return Reply(self._changed(ctx, circle, change))
            case _Plan(chosen, day, reason):
                await mentoring.replan(ctx.scope, circle, chosen, day, reason)
                return Reply(
                    ctx.t(
                        N_("The {stage} stage of {circle} is now planned for {date}."),
                        stage=ctx.t(chosen.value),
                        circle=circle.name,
                        date=format_day(day, ctx.lang),
                    )
                )

    async def _show(self, ctx: Context, circle: Circle) -> str:
        view = await mentoring.show(ctx.scope, circle)
        zone = ZoneInfo(circle.timezone)

        def day(when: datetime) -> str:
            return format_day(when.astimezone(zone).date(), ctx.lang)

        lines = [
            ctx.tn(
                "Phase-out stages of {circle}: now {stage}, since {date} ({n} day).",
                "Phase-out stages of {circle}: now {stage}, since {date} ({n} days).",
                max(0, (ctx.now() - view.since).days),
                circle=circle.name,
                stage=ctx.t(view.current.value),
                date=day(view.since),
            )
        ]
        for p in view.plans:
            began = (
                ctx.t(N_("began {date}"), date=day(p.started_at))
                if p.started_at
                else ctx.t(N_("not begun"))
            )
            lines.append(
                ctx.t(
                    N_("- {stage}: planned {planned}, {began}"),
                    stage=ctx.t(p.stage),
                    planned=day(p.planned_at),
                    began=began,
                )
            )
        lines.append(ctx.t(N_("History:")))
        if not view.history:
            lines.append(ctx.t(N_("- no changes yet")))
        for change in view.history:
            who = ctx.port.mention(change.actor) if change.actor else ctx.t(N_("someone"))
            if change.action == "stage.plan":
                what = ctx.t(N_("planned {stage} anew"), stage=ctx.t(change.detail or ""))
            else:
                before, _, after = (change.detail or "").partition(">")
                what = ctx.t(N_("{before} → {after}"), before=ctx.t(before), after=ctx.t(after))
            line = ctx.t(N_("- {date} {who}: {what}"), date=day(change.at), who=who, what=what)
            if change.reason:
                line += ctx.t(N_(" (reason: {reason})"), reason=change.reason)
            lines.append(line)
        nxt = mentoring.next_stage(view.current)
        if nxt is not None:
            lines.append(
                ctx.t(
                    N_('To move on: /circle mentor stage advance reason:"…" (to {stage}).'),
                    stage=ctx.t(nxt.value),
                )
            )
        return "\n".join(lines)

    def _changed(self, ctx: Context, circle: Circle, change: mentoring.StageChange) -> str:
        text = ctx.t(
            N_("{circle} moved from {before} to {after}."),
            circle=circle.name,
            before=ctx.t(change.before.value),
            after=ctx.t(change.after.value),
        )
        if change.mentor is not None:
            access = (
                ctx.t(N_("can view and post in the circle's channel"))
                if change.mentor_posts
                else ctx.t(N_("has no access to the circle's channel (consults still reach them)"))
            )
            text += " " + ctx.t(
                N_("{person} {access}."), person=ctx.port.mention(change.mentor), access=access
            )
        if change.reconvene_months is not None:
            text += " " + ctx.tn(
                "A reconvening is planned {n} month from now; everyone in the circle today gets "
                "an invitation a week before.",
                "A reconvening is planned {n} months from now; everyone in the circle today gets "
                "an invitation a week before.",
                change.reconvene_months,
            )
        return text

    @command(
        "mentor chart",
        who=[Who.MENTOR],
        help=N_("A chart (PNG) of attendance per meeting over time, with the stages marked."),
    )
    async def chart(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        chart = await charts.attendance(ctx.scope, circle, ctx.lang)
        data = chart.data
        image = Attachment(chart.filename, chart.png, "image/png", charts.alt_text(data, ctx.lang))
        message = card(
            data.title,
            ctx.tn(
                "Attendance per meeting in {circle}: {n} meeting; bars show people present, "
                "the dashed line those expected, and labelled bands the stages.",
                "Attendance per meeting in {circle}: {n} meetings; bars show people present, "
                "the dashed line those expected, and labelled bands the stages.",
                len(data.points),
                circle=circle.name,
            ),
            (
                Field(ctx.t(N_("Meetings recorded")), str(len(data.points))),
                Field(ctx.t(N_("Skipped")), str(len(data.skipped))),
                Field(ctx.t(N_("No record")), str(len(data.unrecorded))),
            ),
            file=image,
        )
        return Reply(message.text, file=image, card=message)

    @command(
        "mentor invite",
        who=[Who.LEADER],
        help=N_("Let the on-call mentor back into the circle's channel for some hours."),
        options=[
            Option("hours", OptType.INT, N_("how long, in hours"), default="24", min=1, max=168)
        ],
    )
    async def invite(self, ctx: Context, hours: int) -> Reply:
        circle = ctx.need_circle()
        mentor, until = await mentoring.invite(ctx.scope, circle, hours)
        return Reply(
            ctx.t(
                N_(
                    "{person} can view and post in the channel of {circle} until {until}; then "
                    "their access ends again."
                ),
                person=ctx.port.mention(mentor),
                circle=circle.name,
                until=ctx.port.format_time(until, ZoneInfo(circle.timezone), ctx.lang),
            )
        )
