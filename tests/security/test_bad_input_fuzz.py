"""Issue 9, item 15: input that used to crash into "Something went wrong" gets a clear private
message and changes nothing — each listed case, then property-based fuzzing over the grammar.

The fuzz builds lines from the declared commands and options with hostile values (dates in
year 1 or 9999, huge numbers and circle IDs, region names and paths as time zones, over-long
zones, broken characters, quotes, colons and equals signs in odd places) and checks through the
router with a real database: nothing crashes, and a line with a hostile value is refused
privately with nothing written or sent.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.context import Invocation
from bot.commands.grammar import parse
from bot.commands.reply import Status
from bot.commands.router import UNEXPECTED
from bot.commands.spec import CircleUse, CommandSpec, OptType
from bot.core.errors import UserError
from bot.wiring import build_registry
from tests.harness import Harness
from tests.test_bad_input import snapshot

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
REG = build_registry()
SPECS = [s for s in REG if s.name not in ("forget-me", "export", "create")]

BAD_DATES = ["0001-01-01", "9999-12-31", "1000-01-01", "3000-06-30"]
BAD_ZONES = ["Europe", "__pycache__", "x" * 300, "localtime", "right/UTC", "posix/UTC",
             "../../etc/passwd", "America/", "/etc/localtime", "Factory"]  # fmt: skip
BAD_TEXT = ["hi \ud800 there", "\udfff", "nul \x00 byte"]
BAD_INTS = ["99999999999999999999999", "-99999999999999999999", "1e309", "0x10"]
BAD_CIRCLES = ["#999999999999999999999", "#" + "9" * 400, "#-1"]

ITEM_15 = [
    ("lee", "add @ben circle:#999999999999999999999"),
    ("lee", "schedule set tuesday 19:00 start:0001-01-01"),
    ("lee", "schedule set tuesday 19:00 start:9999-12-31"),
    ("lee", "schedule move 2026-03-10 to:0001-01-01"),
    ("lee", "schedule move 2026-03-10 to:9999-12-31"),
    ("lee", "schedule move 9999-12-31 to:2026-03-11"),
    ("lee", "schedule skip 0001-01-01"),
    ("lee", "schedule skip 9999-12-31"),
    ("ana", "rsvp yes date:0001-01-01"),
    ("ana", "rsvp no date:9999-12-31"),
    ("lee", "attendance date:0001-01-01"),
    ("lee", "attendance date:9999-12-31 @ana"),
    ("lee", "schedule set tuesday 19:00 timezone:Europe"),
    ("lee", "schedule set tuesday 19:00 timezone:__pycache__"),
    ("lee", "schedule set tuesday 19:00 timezone:" + "x" * 300),
    ("lee", "schedule set tuesday 19:00 timezone:localtime"),
    ("lee", "schedule set tuesday 19:00 timezone:right/UTC"),
    ("organizer", 'create "Zone test" timezone:localtime'),
    ("organizer", 'create "Zone test" timezone:right/UTC'),
    ("organizer", 'create "Zone test" timezone:Europe'),
    ("ana", "consult I need help \ud800"),
    ("lee", 'rules edit text:"Be kind \ud800"'),
    ("lee", "schedule set tuesday 19:00 where:\ud800"),
    ("organizer", 'create "Bad \ud800 name"'),
    ("ana", 'join "\ud800"'),
    ("lee", "add @ben circle:\ud800"),
    ("maya", "mentor ack id:99999999999999999999999"),
]


async def _world(h: Harness) -> None:
    for who, line in (
        ("organizer", '/circle create "Tuesday circle" leader:@lee mentor:@maya'),
        ("lee", "/circle add @ana"),
        ("lee", "/circle schedule set tuesday 19:00"),
    ):
        reply = await h.run(who, line)
        assert reply.text and "Nothing" not in reply.text


async def _refused_quietly(h: Harness, who: str, line: str) -> str | None:
    """None when ``line`` was refused privately with nothing written or sent, else why not."""
    before = await snapshot(h)
    sent = len(h.port.messages)
    h.out.clear()
    outcome = await h.router.run_text(Invocation("console", "console", who), "/circle " + line)
    reply = outcome.reply
    if reply.text == UNEXPECTED or "Something went wrong" in reply.text:
        return f"crashed: {line!r}"
    if outcome.status is not Status.REFUSED:
        return f"not refused ({outcome.status}): {line!r}: {reply.text}"
    if not reply.private or h.out or len(h.port.messages) != sent:
        return f"sent something: {line!r}: {h.out}"
    if await snapshot(h) != before:
        return f"changed the database: {line!r}"
    return None


@pytest.mark.parametrize(("who", "line"), ITEM_15, ids=[repr(x[1][:50]) for x in ITEM_15])
async def test_each_reported_crash_is_a_clear_private_refusal(
    db_url: str, who: str, line: str
) -> None:
    async with Harness(db_url, START) as h:
        await _world(h)
        assert await _refused_quietly(h, who, line) is None


# -- the grammar alone: parse never raises anything but a UserError ----------------------------

_PIECES = st.sampled_from(
    ['"', "'", ":", "=", "@", "<@U1|x>", "#", "circle:", "anonymous:", "\\", "“", "»", "\n", " "]
)
_WORDS = st.sampled_from(
    sorted({w for s in REG for w in s.path} | {o.name for s in REG for o in s.options})
)


@settings(
    max_examples=4000,
    deadline=timedelta(seconds=1),
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
@given(st.lists(st.one_of(_WORDS, _PIECES, st.text(max_size=12)), max_size=12))
def test_parse_only_ever_refuses_with_a_message(parts: list[str]) -> None:
    line = "/circle " + " ".join(parts)
    try:
        parsed = parse(line, REG)
    except UserError as err:
        assert err.message.format(**err.values)
        return
    assert parsed.spec.path


# -- through the router and the database ------------------------------------------------------


def _hostile(spec: CommandSpec) -> st.SearchStrategy[tuple[str, str]]:
    """A line for ``spec`` with one hostile value in an option it reads."""
    slots = []
    for opt in spec.options:
        bad = {
            OptType.DATE: BAD_DATES,
            OptType.ZONE: BAD_ZONES,
            OptType.INT: BAD_INTS,
            OptType.TEXT: BAD_TEXT,
            OptType.WORD: BAD_TEXT,
            OptType.CIRCLE: BAD_CIRCLES,
        }.get(opt.type)
        if bad:
            slots.append((opt.name, bad))
    if spec.circle is not CircleUse.NONE and not spec.option("circle"):
        slots.append(("circle", BAD_CIRCLES + BAD_TEXT))
    if not slots:
        return st.nothing()
    return st.sampled_from(slots).flatmap(
        lambda slot: st.sampled_from(slot[1]).map(
            lambda value: (spec.name, f'{slot[0]}:"{value}"' if '"' not in value else "")
        )
    )


_HOSTILE = st.one_of([_hostile(s) for s in SPECS]).filter(lambda x: bool(x[1]))
_NOISE = st.lists(
    st.one_of(_WORDS, st.sampled_from(["7pm", "tomorrow", "yes", "@ana", "#1", "x:y", "a=b"])),
    max_size=3,
)


def test_hostile_values_through_the_router_are_refused_and_change_nothing(tmp_path: object) -> None:
    loop = asyncio.new_event_loop()
    harness = Harness(f"sqlite+aiosqlite:///{tmp_path}/fuzz.db", START)
    h = loop.run_until_complete(harness.__aenter__())
    try:
        loop.run_until_complete(_world(h))
        problems: list[str] = []

        @settings(
            max_examples=800,
            deadline=timedelta(seconds=5),
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        )
        @given(_HOSTILE, _NOISE, st.sampled_from(["ana", "lee", "maya", "organizer"]))
        def one(hostile: tuple[str, str], noise: list[str], who: str) -> None:
            name, option = hostile
            line = " ".join([name, *noise, option])
            why = loop.run_until_complete(_refused_quietly(h, who, line))
            if why:
                problems.append(why)
            assert why is None, why

        one()
        assert not problems
    finally:
        loop.run_until_complete(harness.__aexit__(None, None, None))
        loop.close()


@pytest.mark.parametrize("zone", ["Europe", "__pycache__", "x" * 300, "localtime", "right/UTC"])
def test_the_configured_default_zone_is_checked_the_same_way(zone: str) -> None:
    from pydantic import ValidationError

    from bot.config import FileSettings

    with pytest.raises(ValidationError, match="IANA time zone"):
        FileSettings.model_validate({"circles": {"timezone": zone}})
