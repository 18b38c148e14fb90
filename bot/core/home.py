"""A person's dashboard (Slack's App Home): their circles by role, each with its next meeting,
their own answer and how many are coming. Figures and IDs only, nothing anyone wrote.

The adapter renders it and puts the right buttons on each card (RSVP for members; roster,
prompt and schedule for leaders; status and chart for mentors); the buttons run ordinary
commands, so the same permissions apply as when they are typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core import schedules
from bot.core.runtime import Core
from storage import repos
from storage.models import Role


@dataclass(frozen=True)
class NextMeeting:
    start: datetime
    zone: ZoneInfo
    day: date  # the meeting's local date (what ``rsvp … date:`` takes)
    answer: str | None  # this person's RSVP (yes, no, maybe), None when not answered yet
    coming: int


@dataclass(frozen=True)
class CircleCard:
    circle_id: int
    name: str
    role: Role
    language: str
    location: str | None
    next_meeting: NextMeeting | None


async def dashboard(core: Core, platform: str, workspace: str, user: str) -> list[CircleCard]:
    """The circles this person is active in, with what each card needs."""
    now = core.clock.now()
    cards: list[CircleCard] = []
    async with core.sessions() as s:
        for circle in await repos.circles_of(s, platform, workspace, user):
            m = await repos.membership(s, circle.id, user)
            if m is None:
                continue
            loaded = await schedules.load(s, circle.id)
            nxt = None
            if loaded is not None:
                found = schedules.upcoming(loaded, now, 1)
                if found:
                    occ = found[0]
                    answers = await repos.meetings.answers(s, circle.id, occ.key)
                    nxt = NextMeeting(
                        occ.start,
                        loaded.rule.zone,
                        schedules.to_local(occ.start, loaded.rule.zone).date(),
                        answers.get(user),
                        sum(1 for a in answers.values() if a == "yes"),
                    )
            cards.append(
                CircleCard(
                    circle.id,
                    circle.name,
                    Role(m.role),
                    circle.language,
                    loaded.rule.location if loaded is not None else None,
                    nxt,
                )
            )
    return cards
