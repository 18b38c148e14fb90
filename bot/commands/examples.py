"""Two real lines per command, shown by ``help`` and in error messages.

Kept apart from the cogs so that every command has examples in one place; a test parses each
line with the grammar, so an example that stops working fails the build. Lines are what follows
``/circle``. Each is a catalog message: command words stay English, but a translation writes
the values and quoted words in its language (``rsvp sí``, ``consult "Tengo una semana difícil"``);
tests/test_i18n.py parses every translation to the same command.
"""

from __future__ import annotations

from bot.i18n import N_

EXAMPLES: dict[str, tuple[str, ...]] = {
    "add": (N_("add @ana"), N_("add @ben role:leader")),
    "attendance": (N_("attendance @ana @ben"), N_("attendance date:2026-03-03 from_rsvps:yes")),
    "calendar": (N_("calendar"), N_('calendar circle:"Tuesday circle"')),
    "consult": (
        N_('consult "I am having a hard week"'),
        N_('consult "I need to talk" anonymous:yes'),
    ),
    "create": (
        N_('create "Tuesday circle" leader:@lee'),
        N_('create "Grief circle" leader:@lee mentor:@maya timezone:Europe/Madrid language:es'),
    ),
    "export": (N_("export"),),
    "forget-me": (N_("forget-me"), N_("forget-me confirm:yes")),
    "help": (N_("help"), N_("help schedule")),
    "info": (N_("info"), N_('info circle:"Tuesday circle"')),
    "join": (N_('join "Tuesday circle"'), N_("join circle:Thursdays")),
    "leave": (N_("leave"), N_('leave circle:"Tuesday circle"')),
    "list": (N_("list"),),
    "mentor ack": (N_("mentor ack 3"), N_("mentor ack id:3")),
    "mentor chart": (N_("mentor chart"), N_('mentor chart circle:"Tuesday circle"')),
    "mentor invite": (N_("mentor invite"), N_("mentor invite hours:48")),
    "mentor reply": (
        N_('mentor reply 3 "Thank you for writing. I am here; shall we talk on Thursday?"'),
        N_('mentor reply id:3 message:"I read your message and I will be at the next meeting."'),
    ),
    "mentor stage": (
        N_("mentor stage advance"),
        N_('mentor stage plan stage:observing planned:2026-06-01 reason:"the circle is ready"'),
    ),
    "mentor status": (N_("mentor status"), N_('mentor status circle:"Tuesday circle"')),
    "notify": (N_("notify dm"), N_("notify channel"), N_("notify off date:2026-03-10")),
    "privacy": (N_("privacy"),),
    "prompt add": (
        N_('prompt add writing "A letter to someone you miss"'),
        N_('prompt add art "Draw a safe place" minutes:10'),
    ),
    "prompt list": (N_("prompt list"), N_("prompt list kind:writing")),
    "prompt post": (N_("prompt post writing"), N_('prompt post "What helped you this week?"')),
    "prompt schedule": (
        N_("prompt schedule check-in 1h"),
        N_("prompt schedule check-in before:off"),
    ),
    "reminders set": (
        N_("reminders set 24h,1h"),
        N_("reminders set offsets:2d,30m"),
        N_("reminders set off"),
    ),
    "remove": (N_("remove @ana"), N_('remove @ana circle:"Tuesday circle"')),
    "resources": (N_("resources"),),
    "rsvp": (N_("rsvp yes"), N_("rsvp no date:2026-03-10"), N_("rsvp maybe")),
    "rules agree": (N_("rules agree"), N_("rules agree version:2")),
    "rules edit": (
        N_("rules edit Be kind. What is said here stays here."),
        N_('rules edit text:"Listen without fixing. Speak from your own experience."'),
    ),
    "rules show": (N_("rules show"), N_('rules show circle:"Tuesday circle"')),
    "schedule move": (
        N_("schedule move 2026-03-10 2026-03-12"),
        N_("schedule move 2026-03-10 to:tomorrow time:7pm"),
    ),
    "schedule set": (
        N_('schedule set tuesday 19:00 where:"Room 2"'),
        N_("schedule set day:thursday time:7pm every_weeks:2 timezone:Europe/London"),
    ),
    "schedule show": (N_("schedule show"), N_('schedule show circle:"Tuesday circle"')),
    "schedule skip": (N_("schedule skip 2026-03-10"), N_("schedule skip next tuesday")),
    "session end": (N_("session end"),),
    "session next": (N_("session next"), N_("session next turn:1.2")),
    "session pass": (N_("session pass"), N_("session pass turn:1.2")),
    "session start": (
        N_("session start"),
        N_("session start minutes:4 rounds:2"),
        N_("session start present:@lee @ana @ben"),
    ),
    "manage archive": (N_("manage archive"), N_('manage archive circle:"Tuesday circle"')),
    "manage decline": (
        N_("manage decline @dev"),
        N_('manage decline @dev circle:"Tuesday circle"'),
    ),
    "manage handover": (N_("manage handover @ana"), N_("manage handover @ana from:@lee")),
    "manage transfer": (
        N_('manage transfer @ana to:"Friday circle"'),
        N_('manage transfer @ana to:"Friday circle" circle:"Tuesday circle"'),
    ),
    "mentor assign": (N_("mentor assign @maya"), N_('mentor assign @maya circle:"Tuesday circle"')),
    "reminders show": (N_("reminders show"),),
    "schedule pause": (
        N_('schedule pause until:2026-04-15 reason:"spring holidays"'),
        N_("schedule pause 2026-12-28"),
    ),
    "schedule resume": (N_("schedule resume"),),
    "schedule unskip": (N_("schedule unskip 2026-03-10"), N_("schedule unskip next tuesday")),
    "session here": (N_("session here"), N_("session here @lee @ana @ben")),
}
