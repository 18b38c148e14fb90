"""Live messages in the core, on the console: the pinned schedule message follows every change
in place and is deleted again when the command that posted it rolls back; a reminder's count
changes in place as people answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.platforms.console.port import ConsolePort
from bot.port import ErrorKind, Message, PlatformError
from storage.models import Schedule
from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # a Monday
CH = "#circle-tuesday-circle"


class AnnouncementFails(ConsolePort):
    """The channel refuses the schedule announcement, after the pinned message went out."""

    async def post(
        self, workspace: str, channel: str, message: Message, *, key: str | None = None
    ) -> str:
        if "now meets" in message.text:
            raise PlatformError(ErrorKind.NO_PERMISSION, "50013")
        return await super().post(workspace, channel, message, key=key)


def cards(port: ConsolePort) -> list[tuple[str, Message]]:
    return [
        (mid, m)
        for mid, (ch, m) in port.messages.items()
        if ch == CH and m.title.startswith("Schedule of")
    ]


async def test_the_pinned_schedule_message_is_live_and_rolled_back_with_its_command(
    db_url: str,
) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        failing = AnnouncementFails(h.out.append, ["organizer", "lee", "ana"])
        failing.channels, failing.messages, failing.pins = (
            h.port.channels,
            h.port.messages,
            h.port.pins,
        )
        h.core.ports["console"] = failing
        r = await h.run("lee", "/circle schedule set day:tuesday time:19:00 timezone:UTC")
        assert "50013" in r.text
        assert cards(failing) == [] and failing.pins.get(CH, []) == [failing.pins[CH][0]]
        async with h.core.sessions() as s:
            assert (await s.execute(select(Schedule))).first() is None

        h.core.ports["console"] = h.port
        await h.run("lee", "/circle schedule set day:tuesday time:19:00 timezone:UTC")
        [(mid, card)] = cards(h.port)
        assert mid in h.port.pins[CH]
        fields = {f.label: f.value for f in card.fields}
        assert fields["Next meeting"] == "Tue 2026-03-03 19:00 UTC"
        assert fields["Meets"] == "every Tuesday at 19:00"
        await h.run("lee", "/circle schedule skip 2026-03-03")
        [(same, card)] = cards(h.port)
        fields = {f.label: f.value for f in card.fields}
        assert same == mid and fields["Next meeting"] == "Tue 2026-03-10 19:00 UTC"
        assert fields["Skipped"] == "Tue 2026-03-03 19:00 UTC"


async def test_a_reminder_count_changes_in_place(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle notify channel")
        await h.run("lee", "/circle schedule set day:tuesday time:19:00 timezone:UTC")
        h.clock.advance(timedelta(hours=2, minutes=1))  # the 24-hour reminder is due
        await h.core.tick()
        [(mid, reminder)] = [
            (k, m) for k, (ch, m) in h.port.messages.items() if ch == CH and "Reminder:" in m.text
        ]
        assert "Coming (0): Nobody yet" in reminder.text
        [ana_dm] = [
            k for k, (ch, m) in h.port.messages.items() if ch == "DM ana" and "Reminder:" in m.text
        ]
        await h.run("lee", "/circle remove @ana")  # she left: her copy is no longer updated
        await h.run("lee", "/circle rsvp yes")
        assert "Nobody yet" in h.port.messages[ana_dm][1].text
        assert not any(line.startswith(f"  [DM ana {ana_dm} edited]") for line in h.out)
        _, edited = h.port.messages[mid]
        assert "Coming (1): @lee" in edited.text
        assert f"  [{CH} {mid} edited] Coming (1): @lee" in h.out
