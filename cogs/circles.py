"""Circles and membership: create, add, remove, join, leave, list, info."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import CircleUse, Cog, Option, OptType, Who, command
from bot.core import circles
from bot.i18n import LANGUAGES, N_, translate
from bot.port import Button, Form, FormField
from storage.models import Circle, Role

ROLE_CHOICES = ("member", "leader")


class CirclesCog(Cog):
    @command(
        "create",
        who=[Who.ORGANIZER],
        help=N_("Create a circle with a private channel and its ground rules."),
        circle=CircleUse.NONE,
        options=[
            Option("name", OptType.TEXT, N_("the circle's name"), required=True, max_length=40),
            Option("leader", OptType.USER, N_("who convenes the circle")),
            Option("mentor", OptType.USER, N_("the experienced mentor")),
            Option("min_size", OptType.INT, N_("fewest members"), min=2, max=50),
            Option("max_size", OptType.INT, N_("most members"), min=2, max=50),
            Option(
                "timezone",
                OptType.ZONE,
                N_("IANA time zone, e.g. Europe/Madrid"),
                suggestions=tuple(circles.all_zones()),
            ),
            Option(
                "language",
                OptType.CHOICE,
                N_("language of the bot's messages"),
                choices=LANGUAGES,
            ),
        ],
    )
    async def create(
        self,
        ctx: Context,
        name: str,
        leader: str | None,
        mentor: str | None,
        min_size: int | None,
        max_size: int | None,
        timezone: str | None,
        language: str | None,
    ) -> Reply:
        if circles.asks_for_timezone(ctx.scope, timezone):
            return self._ask_zone(ctx, name, leader, mentor, min_size, max_size, language)
        circle = await circles.create(
            ctx.scope,
            circles.NewCircle(
                name=name,
                leaders=[leader] if leader else [],
                mentor=mentor,
                min_size=min_size,
                max_size=max_size,
                timezone=timezone,
                language=language,
            ),
        )
        return Reply(
            translate(  # in the new circle's language, which its organizer just chose
                N_(
                    'Created the circle "{name}" with a private channel; its ground rules are '
                    'posted and pinned. Add people with /circle add @name circle:"{name}".'
                ),
                circle.language,
                name=circle.name,
            )
        )

    def _ask_zone(
        self,
        ctx: Context,
        name: str,
        leader: str | None,
        mentor: str | None,
        min_size: int | None,
        max_size: int | None,
        language: str | None,
    ) -> Reply:
        """The question, with a form that asks only for the zone (a select on Slack) and keeps
        everything else that was typed."""
        fixed = {"name": name}
        for key, person in (("leader", leader), ("mentor", mentor)):
            if person:
                fixed[key] = ctx.port.mention(person)
        for key, value in (("min_size", min_size), ("max_size", max_size), ("language", language)):
            if value is not None:
                fixed[key] = str(value)
        return Reply(
            ctx.t(circles.ZONE_QUESTION, name=name),
            form=Form(
                ctx.t(N_("Time zone of the circle")),
                "create",
                (
                    FormField(
                        "timezone",
                        ctx.t(N_("Time zone (IANA), like Europe/Madrid")),
                        max_length=64,
                        choices=circles.COMMON_ZONES,
                    ),
                ),
                fixed,
            ),
        )

    @command(
        "add",
        who=[Who.LEADER],
        help=N_("Add a person (or approve a request); past the limit they join the waitlist."),
        options=[
            Option("member", OptType.USER, N_("the person to add"), required=True),
            Option("role", OptType.CHOICE, N_("member or leader"), choices=ROLE_CHOICES),
        ],
    )
    async def add(self, ctx: Context, member: str, role: str | None) -> Reply:
        circle = ctx.need_circle()
        added = await circles.add_person(ctx.scope, circle, member, Role(role or "member"))
        outcome = added.outcome
        who = ctx.port.mention(member)
        if outcome is circles.Added.WAITLISTED:
            text = N_(
                "{circle} is full ({max} seats), so {person} is on the waitlist (place "
                "{place}) and has been told; they move up when a seat frees."
            )
        elif outcome is circles.Added.ROLE_CHANGED:
            text = N_("{person} is now a {role} of {circle}.")
        else:
            text = N_(
                "Added {person} to {circle} as {role}. They have been asked to agree to "
                "the ground rules."
            )
        return Reply(
            ctx.t(
                text,
                circle=circle.name,
                max=circle.max_size,
                person=who,
                role=ctx.t(role or "member"),
                place=added.place,
            )
        )

    @command(
        "remove",
        who=[Who.LEADER],
        help=N_("Remove a person from the circle; the first on the waitlist takes the seat."),
        options=[Option("member", OptType.USER, N_("the person to remove"), required=True)],
    )
    async def remove(self, ctx: Context, member: str) -> Reply:
        circle = ctx.need_circle()
        promoted = await circles.remove_by(ctx.scope, circle, member, is_organizer=ctx.is_organizer)
        text = ctx.t(
            N_("Removed {person} from {circle}."),
            person=ctx.port.mention(member),
            circle=circle.name,
        )
        if promoted:
            text += " " + ctx.t(
                N_("{person} moved up from the waitlist."), person=ctx.port.mention(promoted)
            )
        return Reply(text)

    @command(
        "join",
        who=[Who.ANYONE],
        help=N_("Ask to join a circle; a leader approves."),
        circle=CircleUse.NONE,
        options=[Option("circle", OptType.CIRCLE, N_("the circle's name"), required=True)],
    )
    async def join(self, ctx: Context, circle: Circle) -> Reply:
        ctx.lang = circle.language
        await circles.request_join(ctx.scope, circle)
        return Reply(
            ctx.t(N_("Your request to join {circle} was sent to its leaders."), circle=circle.name)
        )

    @command("leave", who=[Who.MEMBER], help=N_("Leave the circle."))
    async def leave(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        await circles.remove(ctx.scope, circle, ctx.user, action="member.leave")
        return Reply(
            ctx.t(
                N_(
                    "You have left {circle}. Take care. If you want everything the bot stored "
                    "about you deleted, run /circle forget-me."
                ),
                circle=circle.name,
            ),
            buttons=(Button(ctx.t(N_("Delete my data")), "forget-me", "danger"),),
        )

    @command(
        "list",
        who=[Who.ORGANIZER, Who.MENTOR],
        help=N_("List circles: all of them for organizers, yours for mentors."),
        circle=CircleUse.NONE,
    )
    async def list_(self, ctx: Context) -> Reply:
        found = await circles.listing(ctx.scope, ctx.is_organizer)
        if not found:
            return Reply(
                ctx.t(N_("There are no circles yet. Create one with /circle create NAME."))
            )
        lines = [ctx.t(N_("Circles:"))]
        for c in found:
            lines.append(
                ctx.t(
                    N_("- {name}: {n}/{max} members, {waiting} waiting, stage {stage}"),
                    name=c.name,
                    n=c.seated,
                    max=c.max_size,
                    waiting=c.waiting,
                    stage=ctx.t(c.stage),
                )
            )
        return Reply("\n".join(lines))

    @command("info", who=[Who.MEMBER], help=N_("A summary of the circle."))
    async def info(self, ctx: Context) -> Reply:
        circle = ctx.need_circle()
        c = await circles.info(ctx.scope, circle, ctx.membership)
        none = ctx.t(N_("none"))

        def names(users: list[str]) -> str:
            return ", ".join(ctx.port.mention(u) for u in users) or none

        lines = [
            ctx.t(N_("{name}"), name=c.name),
            ctx.t(N_("Leaders: {names}"), names=names(c.leaders)),
            ctx.t(N_("Members: {names}"), names=names(c.members)),
            ctx.t(
                N_("Seats: {n} of {max} (at least {min}); waitlist: {w}"),
                n=c.seated,
                max=c.max_size,
                min=c.min_size,
                w=c.waiting,
            ),
            ctx.t(
                N_("Mentor: {name}; stage: {stage}"),
                name=names(c.mentors),
                stage=ctx.t(c.stage),
            ),
            ctx.t(
                N_("Ground rules: version {v}, agreed by {k} of {n}"),
                v=c.rules_version,
                k=c.agreed,
                n=c.seated,
            ),
            ctx.t(N_("Time zone: {zone}"), zone=c.timezone),
            ctx.t(
                N_("Next meeting: {when}"),
                when=ctx.port.format_time(c.next_meeting, ZoneInfo(c.timezone), ctx.lang),
            )
            if c.next_meeting
            else ctx.t(N_("Next meeting: none scheduled (/circle schedule set)")),
        ]
        zone = ZoneInfo(c.timezone)
        if c.paused_until is not None:
            lines.append(
                ctx.t(
                    N_("Paused: no meetings before {date}"),
                    date=c.paused_until.astimezone(zone).date().isoformat(),
                )
            )
        if c.reconvening is not None:
            lines.append(
                ctx.t(
                    N_("Reconvening: {when}"),
                    when=ctx.port.format_time(c.reconvening, zone, ctx.lang),
                )
            )
        if c.archived:
            lines.append(ctx.t(N_("Archived: the records stay; nothing new is scheduled.")))
        if c.you_have_not_agreed:
            lines.append(ctx.t(N_("You have not agreed to the current ground rules yet.")))
        return Reply("\n".join(lines))
