"""Two real lines per command, shown by ``help`` and in error messages.

Kept apart from the cogs so that every command has examples in one place; a test parses each
line with the grammar, so an example that stops working fails the build. Lines are what follows
``/circle``; commands are English words in every language, so examples are not translated.
"""

from __future__ import annotations

EXAMPLES: dict[str, tuple[str, ...]] = {
    "add": ("add @ana", "add @ben role:leader"),
    "attendance": ("attendance @ana @ben", "attendance date:2026-03-03 from_rsvps:yes"),
    "calendar": ("calendar", 'calendar circle:"Tuesday circle"'),
    "consult": ('consult "I am having a hard week"', 'consult "I need to talk" anonymous:yes'),
    "create": (
        'create "Tuesday circle" leader:@lee',
        'create "Grief circle" leader:@lee mentor:@maya timezone:Europe/Madrid language:es',
    ),
    "export": ("export",),
    "forget-me": ("forget-me", "forget-me confirm:yes"),
    "help": ("help", "help schedule"),
    "info": ("info", 'info circle:"Tuesday circle"'),
    "join": ('join "Tuesday circle"', "join circle:Thursdays"),
    "leave": ("leave", 'leave circle:"Tuesday circle"'),
    "list": ("list",),
    "mentor ack": ("mentor ack 3", "mentor ack id:3"),
    "mentor chart": ("mentor chart", 'mentor chart circle:"Tuesday circle"'),
    "mentor invite": ("mentor invite", "mentor invite hours:48"),
    "mentor reply": (
        'mentor reply 3 "Thank you for writing. I am here; shall we talk on Thursday?"',
        'mentor reply id:3 message:"I read your message and I will be at the next meeting."',
    ),
    "mentor stage": (
        "mentor stage advance",
        'mentor stage plan stage:observing planned:2026-06-01 reason:"the circle is ready"',
    ),
    "mentor status": ("mentor status", 'mentor status circle:"Tuesday circle"'),
    "notify": ("notify dm", "notify channel", "notify off date:2026-03-10"),
    "privacy": ("privacy",),
    "prompt add": (
        'prompt add writing "A letter to someone you miss"',
        'prompt add art "Draw a safe place" minutes:10',
    ),
    "prompt list": ("prompt list", "prompt list kind:writing"),
    "prompt post": ("prompt post writing", 'prompt post "What helped you this week?"'),
    "prompt schedule": ("prompt schedule check-in 1h", "prompt schedule check-in before:off"),
    "reminders set": ("reminders set 24h,1h", "reminders set offsets:2d,30m", "reminders set off"),
    "remove": ("remove @ana", 'remove @ana circle:"Tuesday circle"'),
    "resources": ("resources",),
    "rsvp": ("rsvp yes", "rsvp no date:2026-03-10", "rsvp maybe"),
    "rules agree": ("rules agree", "rules agree version:2"),
    "rules edit": (
        "rules edit Be kind. What is said here stays here.",
        'rules edit text:"Listen without fixing. Speak from your own experience."',
    ),
    "rules show": ("rules show", 'rules show circle:"Tuesday circle"'),
    "schedule move": (
        "schedule move 2026-03-10 2026-03-12",
        "schedule move 2026-03-10 to:tomorrow time:7pm",
    ),
    "schedule set": (
        'schedule set tuesday 19:00 where:"Room 2"',
        "schedule set day:thursday time:7pm every_weeks:2 timezone:Europe/London",
    ),
    "schedule show": ("schedule show", 'schedule show circle:"Tuesday circle"'),
    "schedule skip": ("schedule skip 2026-03-10", "schedule skip next tuesday"),
    "session end": ("session end",),
    "session next": ("session next", "session next turn:1.2"),
    "session pass": ("session pass", "session pass turn:1.2"),
    "session start": (
        "session start",
        "session start minutes:4 rounds:2",
        "session start present:@lee @ana @ben",
    ),
    "manage archive": ("manage archive", 'manage archive circle:"Tuesday circle"'),
    "manage decline": ("manage decline @dev", 'manage decline @dev circle:"Tuesday circle"'),
    "manage handover": ("manage handover @ana", "manage handover @ana from:@lee"),
    "manage transfer": (
        'manage transfer @ana to:"Friday circle"',
        'manage transfer @ana to:"Friday circle" circle:"Tuesday circle"',
    ),
    "mentor assign": ("mentor assign @maya", 'mentor assign @maya circle:"Tuesday circle"'),
    "reminders show": ("reminders show",),
    "schedule pause": (
        'schedule pause until:2026-04-15 reason:"spring holidays"',
        "schedule pause 2026-12-28",
    ),
    "schedule resume": ("schedule resume",),
    "schedule unskip": ("schedule unskip 2026-03-10", "schedule unskip next tuesday"),
    "session here": ("session here", "session here @lee @ana @ben"),
}
