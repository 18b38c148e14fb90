"""The router says what a command came to (an Outcome), runs submitted forms and answers
autocomplete, so adapters need not guess or query storage themselves."""

from __future__ import annotations

from bot.commands.context import Invocation
from bot.commands.reply import Status
from tests.harness import Harness
from tests.mentor_support import START, circle_id, make_circle


def me(user: str) -> Invocation:
    return Invocation("console", "console", user)


async def test_outcomes_say_ok_or_refused_with_the_command_name(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        ok = await h.router.run_text(me("ana"), "/circle info")
        assert ok.status is Status.OK and ok.ok and ok.command == "info"
        assert "Tuesday circle" in ok.reply.text

        # Not allowed: refused, with the command's name and a reply that says what to do.
        refused = await h.router.run_text(me("ana"), "/circle add @cara")
        assert refused.status is Status.REFUSED and not refused.ok
        assert refused.command == "add" and "Only these people can run" in refused.reply.text

        # Not a command at all: refused before any command is known.
        unknown = await h.router.run_text(me("ana"), "/circle frobnicate")
        assert unknown.status is Status.REFUSED and unknown.command is None
        assert unknown.error is None


async def test_a_form_submitted_through_the_router_merges_fixed_values_and_fields(
    db_url: str,
) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        asked = await h.run("lee", "/circle rules edit")
        assert asked.form is not None and [f.name for f in asked.form.fields] == ["text"]
        cid = await circle_id(h)
        assert asked.form.fixed == {"circle": f"#{cid}"}

        # A blank field counts as not given: the command says what it needs, nothing changes.
        blank = await h.router.submit_form(
            me("lee"), asked.form.command, asked.form.fixed, {"text": "   "}
        )
        assert blank.command == "rules edit"
        assert blank.reply.form is not None  # it asks for the form again
        assert "version 2" not in blank.reply.text

        done = await h.router.submit_form(
            me("lee"), asked.form.command, asked.form.fixed, {"text": "1. Listen."}
        )
        assert done.ok and done.command == "rules edit" and "version 2" in done.reply.text

        # A form whose command no longer parses is refused, not run.
        stale = await h.router.submit_form(me("lee"), "no-such-command", {}, {"text": "x"})
        assert stale.status is Status.REFUSED and stale.command is None


async def test_circle_choices_put_the_persons_own_circles_first(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        r = await h.run("organizer", '/circle create "Art circle" leader:@lena')
        assert "Created" in r.text, r.text
        assert await h.router.circle_choices(me("ana"), "") == ["Tuesday circle", "Art circle"]
        assert await h.router.circle_choices(me("lena"), "") == ["Art circle", "Tuesday circle"]
        assert await h.router.circle_choices(me("ana"), " ART ") == ["Art circle"]
        assert await h.router.circle_choices(me("ana"), "zzz") == []
