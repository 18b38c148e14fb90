"""What the bot stores, your data as JSON, and deleting it."""

from __future__ import annotations

import json

from bot.commands.context import Context
from bot.commands.reply import Reply
from bot.commands.spec import CircleUse, Cog, Option, OptType, Who, command
from bot.core import privacy
from bot.i18n import N_
from bot.port import Attachment, Button, Confirm

PRIVACY = N_(
    "What circlekeeper stores about you: your platform ID, the circles you are in and your role, "
    "when you agreed to the ground rules, your RSVPs and attendance, your reminder setting, and "
    "that you asked for a mentor consult (not what you wrote). It never reads, stores or logs "
    "what anyone says in a circle. /circle export gives you all of it as JSON; /circle forget-me "
    "deletes it (head-counts others need stay, without your name)."
)


class PrivacyCog(Cog):
    @command(
        "privacy",
        who=[Who.ANYONE],
        help=N_("What the bot stores about you."),
        circle=CircleUse.OPTIONAL,
    )
    async def privacy(self, ctx: Context) -> Reply:
        return Reply(ctx.t(PRIVACY))

    @command(
        "export",
        who=[Who.ANYONE],
        help=N_("Everything stored about you, as a JSON file."),
        circle=CircleUse.NONE,
    )
    async def export(self, ctx: Context) -> Reply:
        mine = await privacy.export_mine(ctx.scope, ctx.lang)
        body = json.dumps(mine.data, indent=2, sort_keys=True).encode()
        return Reply(
            ctx.tn(
                "Here is everything stored about you: {n} record.",
                "Here is everything stored about you: {n} records.",
                mine.records,
            ),
            file=Attachment("circlekeeper-export.json", body, "application/json"),
        )

    @command(
        "forget-me",
        who=[Who.ANYONE],
        help=N_("Delete everything stored about you and leave your circles."),
        circle=CircleUse.NONE,
        options=[Option("confirm", OptType.BOOL, N_("yes to delete now"))],
    )
    async def forget_me(self, ctx: Context, confirm: bool | None) -> Reply:
        if not confirm:
            return Reply(
                ctx.t(
                    N_(
                        "This removes you from every circle here and deletes everything stored "
                        "about you. It cannot be undone. To go ahead: /circle forget-me "
                        "confirm:yes"
                    )
                ),
                buttons=(
                    Button(
                        ctx.t(N_("Delete my data")),
                        "forget-me confirm:yes",
                        "danger",
                        Confirm(
                            ctx.t(N_("Delete your data?")),
                            ctx.t(N_("Everything stored about you here is deleted for good.")),
                            ctx.t(N_("Delete my data")),
                            ctx.t(N_("Keep it")),
                        ),
                    ),
                ),
            )
        await privacy.forget(ctx.scope, ctx.user)
        return Reply(ctx.t(N_("Done. Everything stored about you here has been deleted.")))
