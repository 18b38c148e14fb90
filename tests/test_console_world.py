"""The console as a faithful platform (issue 11, item 6): any name is a person, its world is kept
in the database between runs, files are saved by default, it says what it is, ``:advance`` runs
each delivery at its own time, and ``name: /circle …`` acts once."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_console_script import run_console


def console(tmp_path: Path, script: str, name: str = "script.txt") -> str:
    path = tmp_path / name
    path.write_text(script, encoding="utf-8")
    result = run_console(tmp_path, path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout


def test_it_opens_with_what_it_is_its_database_and_how_to_get_help(tmp_path: Path) -> None:
    first = console(tmp_path, ":now\n").splitlines()[0]
    assert first.startswith("circlekeeper console")
    assert f"Database: sqlite+aiosqlite:///{tmp_path}/ck.db" in first
    assert ":help" in first and "/circle help" in first
    assert "any plain name is a person" in console(tmp_path, ":help\n")


def test_any_plain_name_is_a_person_and_is_introduced_once(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        'organizer: /circle create "Tuesday circle" leader:@lee timezone:UTC\n'
        "lee: /circle add @zoe\n"
        "zoe: /circle rules agree\n"
        "lee: /circle add @Not-A-Name!\n",
    )
    assert out.count("new person: zoe") == 1 and out.count("new person: lee") == 1
    assert "Added @zoe to Tuesday circle" in out
    assert "access zoe: post" in out
    assert 'I do not know who "@Not-A-Name!" is' in out


def test_a_second_run_continues_people_access_pins_and_numbering(tmp_path: Path) -> None:
    console(
        tmp_path,
        'organizer: /circle create "Tuesday circle" leader:@lee mentor:@maya timezone:UTC\n'
        "lee: /circle add @ana\n"
        "organizer: /circle mentor stage advance circle:#1\n"
        "organizer: /circle mentor stage advance circle:#1\n"
        "lee: /circle mentor invite hours:2\n",
        "first.txt",
    )
    out = console(
        tmp_path,
        ":advance 3h\nlee: /circle add @ana\nlee: /circle rules edit Be kind.\n",
        "second.txt",
    )
    assert "new person" not in out  # lee, maya and ana are known from the first run
    # The invitation expires in the second run and its revocation is shown: access was kept.
    assert "  [#circle-tuesday-circle] access maya: none" in out
    assert "@ana is already in Tuesday circle" in out
    numbers = [int(n) for n in re.findall(r"#circle-tuesday-circle m(\d+)\]", out)]
    assert numbers and min(numbers) > 1  # message numbers continue, no second m1


def test_files_are_saved_by_default_and_their_path_is_printed(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        'organizer: /circle create "Tuesday circle" leader:@lee timezone:UTC\n'
        "lee: /circle export\n",
    )
    assert "saved as circlekeeper-files/circlekeeper-export.json" in out
    assert (tmp_path / "circlekeeper-files" / "circlekeeper-export.json").is_file()


def test_a_name_prefix_acts_once_without_switching_the_current_person(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        'organizer: /circle create "Tuesday circle" leader:@lee timezone:UTC\n'
        "lee: /circle add @ana\n"
        ":as ana\n"
        "lee: /circle add @ben\n"
        "/circle add @cara\n",
    )
    assert "Added @ben" in out
    assert "Only these people can run /circle add" in out  # the last line ran as ana, not lee


def test_advance_runs_every_delivery_that_falls_due_on_the_way_in_time_order(
    tmp_path: Path,
) -> None:
    out = console(
        tmp_path,
        'organizer: /circle create "Tuesday circle" leader:@lee timezone:UTC\n'
        "lee: /circle add @ana\n"
        "lee: /circle schedule set tuesday 19:00\n"
        "lee: /circle reminders set 24h,1h\n"
        "lee: /circle prompt schedule check-in before:30m\n"
        ":advance 26h\n",  # ends exactly at the meeting's start
    )
    walked = out[out.index(":advance 26h") :]
    order = [
        "(starts in 1 day)",
        "[clock] 2026-03-03 18:00 UTC",
        "(starts in 1 hour)",
        "[clock] 2026-03-03 18:30 UTC",
        "Prompt for the meeting Tue 2026-03-03 19:00 UTC",
    ]
    places = [walked.index(x) for x in order]
    assert places == sorted(places), walked
    assert walked.rstrip().endswith("[clock] 2026-03-03 19:00 UTC")


async def test_the_world_store_round_trips_on_each_database(db_url: str) -> None:
    """People, channels, access (including a revocation), pins and numbering survive a restart,
    on SQLite and PostgreSQL alike."""
    from datetime import UTC, datetime

    from bot.core.console_world import WorldStore
    from bot.platforms.console.port import ConsolePort
    from bot.port import Access, Message
    from tests.harness import Harness

    async with Harness(db_url, datetime(2026, 3, 2, 17, 0, tzinfo=UTC)) as h:
        out: list[str] = []
        first = ConsolePort(out.append, store=WorldStore(h.core))
        await first.load()
        channel = await first.create_private_channel("console", "circle-x", "")
        first.meet("lee")
        await first.set_access("console", channel, "lee", Access.MANAGE)
        await first.set_access("console", channel, "ana", Access.POST)
        await first.set_access("console", channel, "ana", Access.NONE)
        mid = await first.post("console", channel, Message("hello"))
        await first.pin("console", channel, mid)
        await first.save()

        again = ConsolePort(out.append, store=WorldStore(h.core))
        await again.load()
        assert "lee" in again.people
        assert again.channels == {channel: {"lee": Access.MANAGE}}
        assert again.pins == {channel: [mid]}
        assert await again.post("console", channel, Message("next")) == "m2"
        out.clear()
        await again.set_access("console", channel, "lee", Access.NONE)
        assert out == [f"  [{channel}] access lee: none"]  # a revocation is shown
        await again.remove_channel("console", channel)
        await again.save()
        third = ConsolePort(out.append, store=WorldStore(h.core))
        await third.load()
        assert third.channels == {} and third.pins == {}
