"""The shared text grammar: what people type, and what each line gets back.

``TABLE`` is the contract of issue 11: lines a person might write, good and bad, each with its
reply class — understood (the reply contains what was understood) or refused (the reply names
the mistake, only the person sees it, nothing is posted or sent and the database is unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.commands.context import Invocation
from bot.commands.grammar import crisis, parse
from bot.commands.reply import Status
from bot.core.errors import UserError
from bot.wiring import build_registry
from tests.harness import Harness
from tests.test_bad_input import snapshot

REG = build_registry()
START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # a Monday


def values(text: str) -> tuple[str, dict[str, object]]:
    parsed = parse(text, REG)
    return parsed.spec.name, parsed.values


def test_words_options_quotes_and_people() -> None:
    assert values('/circle create "Tuesday circle" leader:@lee max_size:6') == (
        "create",
        {"name": "Tuesday circle", "leader": "@lee", "max_size": "6"},
    )
    assert values("/circle add @ana role:leader circle:#3") == (
        "add",
        {"member": "@ana", "role": "leader", "circle": "#3"},
    )
    # Slack's escaped mentions are people too.
    assert values("/circle add <@U0123|ana>")[1] == {"member": "<@U0123|ana>"}
    # A value with a colon in it keeps it; smart quotes work like plain ones.
    assert values("/circle rules edit text:“Be kind: always”")[1] == {"text": "Be kind: always"}
    # A TEXT option that takes the rest of the line keeps its spacing and new lines.
    assert values("/circle rules edit Be kind.\nListen.")[1] == {"text": "Be kind.\nListen."}
    # An apostrophe inside a word is a letter, not a quotation mark.
    assert values("/circle consult I don't know what to do")[1] == {
        "message": "I don't know what to do"
    }
    # An optional choice is passed over by words that are not among its choices.
    assert values('/circle prompt post "my own words"')[1] == {"text": "my own words"}
    assert values("/circle prompt post art")[1] == {"kind": "art"}
    assert values("circle RULES Show")[0] == "rules show"
    # Words that take the rest of the line stop at a known option (issue 9, item 2).
    assert values('/circle consult "I need help" anonymous:yes circle:"T circle"')[1] == {
        "message": "I need help",
        "anonymous": "yes",
        "circle": "T circle",
    }
    assert values("/circle consult I need help anonymous: yes")[1] == {
        "message": "I need help",
        "anonymous": "yes",
    }
    assert values("/circle consult I need help anonymous=yes")[1]["anonymous"] == "yes"
    # A quoted key is text.
    assert values('/circle consult "anonymous:yes is what I typed"')[1] == {
        "message": "anonymous:yes is what I typed"
    }
    # Dates and times of several words need no quotes.
    assert values("/circle schedule skip next tuesday")[1] == {"date": "next tuesday"}
    assert values("/circle schedule skip 3 de marzo")[1] == {"date": "3 de marzo"}
    assert values("/circle schedule move 3 March to:March 5")[1] == {
        "date": "3 March",
        "to": "March 5",
    }
    assert values("/circle schedule set tuesday 7 pm")[1] == {"day": "tuesday", "time": "7 pm"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/circle", "Type a command after /circle"),
        ("/circle nope", 'There is no command "nope"'),
        ("/circle hlep", "Did you mean /circle help?"),
        ("/circle add @a @b", '"@b" does not fit here'),
        ("/circle add @a role:leader role:member", "The option role: is given twice"),
        ('/circle create "open', "A quotation mark is not closed"),
        ("/circle schedule set where:Room 2", 'where:"Room 2"'),
        ("/circle create X maxsize:6", "There is no option maxsize; did you mean max_size?"),
        ("/circle schedule set tz:UTC", "There is no option tz; did you mean timezone?"),
        ('/circle rsvp no reason:"sick kid"', "There is no option reason for /circle rsvp"),
        ("/circle schedule skp", "Did you mean /circle schedule skip"),
        ("/circle consult I need help anonymously", "write anonymous:yes"),
        ("/circle consult I need help anonymus:yes", "did you mean anonymous?"),
        ("/circle consult help anonymous:", "anonymous: needs a value after the colon"),
        ("/circle consult hi \ud800", "cannot be stored or sent"),
    ],
)
def test_errors_say_what_to_type(text: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse(text, REG)
    assert message in err.value.message.format(**err.value.values)


def test_unknown_subcommand_does_not_offer_the_first_one_as_an_example() -> None:
    with pytest.raises(UserError) as err:
        parse("/circle schedule halt", REG)
    text = err.value.message.format(**err.value.values)
    assert "There is no /circle schedule halt" in text
    assert "has: move, pause, resume, set, show, skip, unskip" in text
    assert "For example: /circle schedule move" not in text


def test_crisis_words() -> None:
    for line in ("i need help", "I need help!", "help me", "Ayuda", "ayúdame", "crisis", "SOS"):
        assert crisis(line), line
        assert values(f"/circle {line}") == ("help", {"topic": "crisis"})
    for line in ("help", "help schedule", "consult I need help", "schedule show"):
        assert not crisis(line), line


def test_every_command_has_examples_that_parse_to_it() -> None:
    """Two for a command with options, one for a command without."""
    for spec in REG:
        assert len(spec.examples) >= (2 if spec.options else 1), spec.name
        for example in spec.examples:
            assert parse("/circle " + example, REG).spec is spec, example


@dataclass(frozen=True)
class Ok:
    """Understood: the reply contains each of these."""

    shows: tuple[str, ...]


@dataclass(frozen=True)
class Refused:
    """A clear error naming the mistake; the database is unchanged and nothing is sent."""

    names: str


def ok(*shows: str) -> Ok:
    return Ok(shows)


L300 = "x" * 300
TABLE: list[tuple[str, str, Ok | Refused]] = [
    # -- times ---------------------------------------------------------------------------------
    ("lee", 'schedule set day:tuesday time:19:00 where:"Room 2"', ok("at 19:00", "where: Room 2")),
    ("lee", "schedule set day:tuesday time:19:00 where:Room 2", Refused('where:"Room 2"')),
    ("lee", "schedule set tuesday 7pm", ok('Understood time: "7pm" as 19:00', "at 19:00")),
    ("lee", "schedule set tuesday 7:00 PM", ok('"7:00 PM" as 19:00')),
    ("lee", "schedule set tuesday 7 pm", ok('"7 pm" as 19:00')),
    ("lee", "schedule set tuesday 19h", ok('"19h" as 19:00')),
    ("lee", "schedule set tuesday 19.00", ok('"19.00" as 19:00')),
    ("lee", "schedule set tuesday 6:30pm duration:60", ok("at 18:30", "60 minutes")),
    ("lee", "schedule set tuesday 7", Refused("time: write the time as HH:MM")),
    ("lee", "schedule set tuesday 25:00", Refused("time: write the time as HH:MM")),
    ("lee", "schedule set tuesday 13pm", Refused("time: write the time as HH:MM")),
    ("lee", "schedule set day:tue time:19:00", ok('Understood day: "tue" as tuesday')),
    ("lee", "schedule set day:funday time:19:00", Refused("did you mean sunday?")),
    ("lee", "schedule set", Refused("/circle schedule set needs time")),
    # -- option names ---------------------------------------------------------------------------
    ("lee", "schedule set tuesday 19:00 tz:America/Los_Angeles", Refused("did you mean timezone?")),
    ("lee", "schedule set tuesday 19:00 every:2", Refused("did you mean every_weeks?")),
    ("lee", "schedule set tuesday 19:00 anonymous:yes", Refused("There is no option anonymous")),
    (
        "organizer",
        'create "New one" maxsize:6',
        Refused("no option maxsize; did you mean max_size?"),
    ),
    ("organizer", 'create "New one" max-size:6', Refused("did you mean max_size?")),
    ("ana", 'rsvp no reason:"sick kid"', Refused("There is no option reason for /circle rsvp")),
    ("lee", "schedule set tuesday 19:00 where:", Refused("where: needs a value after the colon")),
    ("lee", "schedule set tuesday 19:00 duration:90 duration:60", Refused("given twice")),
    (
        "lee",
        "schedule set tuesday 19:00 duration:ninety",
        Refused('"ninety" is not a whole number'),
    ),
    ("lee", "schedule set tuesday 19:00 duration:5", Refused("give a number from 15 to 480")),
    # -- subcommands ----------------------------------------------------------------------------
    ("lee", "schedule skp 2026-03-10", Refused("Did you mean /circle schedule skip")),
    ("lee", "schedule halt", Refused("/circle schedule has: move, pause, resume, set, show, skip")),
    ("lee", "schedule", Refused("/circle schedule needs one of")),
    ("lee", "shedule show", Refused("Did you mean /circle schedule?")),
    # -- time zones -----------------------------------------------------------------------------
    (
        "lee",
        "schedule set tuesday 19:00 timezone:america/los_angeles",
        ok('"america/los_angeles" as America/Los_Angeles', "(America/Los_Angeles)"),
    ),
    ("lee", 'schedule set tuesday 19:00 timezone:"Los Angeles"', ok("as America/Los_Angeles")),
    ("lee", "schedule set tuesday 19:00 timezone:madrid", ok('"madrid" as Europe/Madrid')),
    ("lee", "schedule set tuesday 19:00 timezone:Los Angeles", Refused('timezone:"Los Angeles"')),
    (
        "lee",
        "schedule set tuesday 19:00 timezone:Europe/Madird",
        Refused("Did you mean Europe/Madrid"),
    ),
    ("lee", "schedule set tuesday 19:00 timezone:Europe", Refused("Europe is a region")),
    ("lee", "schedule set tuesday 19:00 timezone:__pycache__", Refused("not a time zone I know")),
    ("lee", f"schedule set tuesday 19:00 timezone:{L300}", Refused("too long for a time zone")),
    ("lee", "schedule set tuesday 19:00 timezone:localtime", Refused("is not accepted")),
    ("lee", "schedule set tuesday 19:00 timezone:right/UTC", Refused("is not accepted")),
    ("lee", "schedule set tuesday 19:00 timezone:UTC", ok("(UTC)")),
    # -- dates ----------------------------------------------------------------------------------
    (
        "lee",
        "schedule skip tomorrow",
        ok('Understood date: "tomorrow" as Tuesday, March 3, 2026 (2026-03-03)', "is skipped"),
    ),
    ("lee", "schedule skip next tuesday", Refused("The meeting on 2026-03-03 is skipped")),
    ("lee", "schedule skip 2026-03-17", ok("Tue 2026-03-17 19:00 UTC is skipped")),
    ("lee", "schedule skip 24 March", ok('"24 March" as Tuesday, March 24, 2026')),
    ("lee", "schedule skip March 31st", ok("(2026-03-31)", "is skipped")),
    ("lee", "schedule skip 3/4", Refused("date: write the date as YYYY-MM-DD")),
    ("lee", "schedule skip someday", Refused("date: write the date as YYYY-MM-DD")),
    ("lee", "schedule skip 2026-02-30", Refused("date: write the date as YYYY-MM-DD")),
    ("lee", "schedule skip 0001-01-01", Refused("too far from today")),
    ("lee", "schedule skip 9999-12-31", Refused("too far from today")),
    ("lee", "schedule set tuesday 19:00 start:0001-01-01", Refused("start: 0001-01-01 is too far")),
    ("lee", "schedule move 2026-04-07 to:9999-12-31", Refused("to: 9999-12-31 is too far")),
    ("lee", "schedule move 2026-04-07 to:2026-04-08", ok("moves to Wed 2026-04-08 19:00")),
    ("ana", "rsvp yes date:0001-01-01", Refused("date: 0001-01-01 is too far")),
    ("lee", "attendance date:9999-12-31", Refused("date: 9999-12-31 is too far")),
    ("ana", "rsvp no tomorrow", Refused("The meeting on 2026-03-03 is skipped")),
    ("ana", "rsvp yes", ok("You are coming")),
    ("ana", "rsvp perhaps", Refused("answer: choose one of yes, no, maybe")),
    # -- circles, people and broken characters ---------------------------------------------------
    ("lee", "add @ben circle:#999999999999999999999", Refused('There is no circle called "#99')),
    ("lee", "add @ben circle:#1", ok("Added @ben")),
    ("lee", "add @zed!", Refused('I do not know who "@zed!" is')),
    ("lee", "add @cara @dev", Refused('"@dev" does not fit here')),
    ("ana", "join Tuesday circle", Refused('circle:"Tuesday circle"')),
    ("ana", "consult hi \ud800", Refused("cannot be stored or sent")),
    ("lee", "rules edit Be kind \x00 always", Refused("cannot be stored or sent")),
    # -- consults: anonymous stays anonymous ------------------------------------------------------
    ("ana", 'consult "I need help" anonymous:yes circle:"Tuesday circle"', ok("without your name")),
    ("ana", "consult I need help anonymous: yes", ok("without your name")),
    ("ana", "consult I need help anonymous=yes", ok("without your name")),
    ("ana", "consult I need help anonymous:yes.", ok("without your name")),
    ("ana", 'consult "I need help" anonymous', Refused("write anonymous:yes")),
    ("ana", "consult I need help, anonymous.", Refused("write anonymous:yes")),
    ("ana", "consult I need help anonymus:yes", Refused("did you mean anonymous?")),
    ("ana", "consult I need help anonymous:maybe", Refused("anonymous: say yes or no")),
    # -- a person in distress, and help ---------------------------------------------------------
    ("ana", "i need help", ok("emergency services", "/circle consult", "/circle help")),
    ("ana", "help me", ok("emergency services", "/circle consult")),
    ("ana", "ayuda", ok("emergency services")),
    ("ana", "crisis", ok("emergency services")),
    ("ana", "help", ok("As a member of a circle:", '/circle consult "I am having a hard week"')),
    ("lee", "help", ok("As a leader:", '/circle schedule set tuesday 19:00 where:"Room 2"')),
    ("lee", "help schedule", ok("/circle schedule set —", "Options:", "Examples:", "where:")),
    ("lee", "help shedule", ok("Did you mean /circle help schedule")),
    # -- Spanish circle -------------------------------------------------------------------------
    ("lena", "schedule set martes 19h", ok('Entendí hora: "19h" como 19:00', "(Europe/Madrid)")),
    ("lena", "schedule skip el próximo martes", ok("(2026-03-03)")),
    ("lena", "schedule skip mañana", Refused("2026-03-03")),
    ("lena", "schedule skip 17 de marzo", ok('"17 de marzo" como martes, 17 de marzo de 2026')),
    ("lena", "schedule skip el 31 de febrero", Refused("fecha:")),
    ("maya2", "rsvp sí", ok("Confirmaste que vienes")),
]


async def _world(h: Harness) -> None:
    for line in (
        ("organizer", '/circle create "Tuesday circle" leader:@lee mentor:@maya max_size:6'),
        ("lee", "/circle add @ana"),
        ("lee", "/circle add @cara"),
        ("organizer", '/circle create "Circulo martes" leader:@lena language:es timezone:Madrid'),
        ("lena", "/circle add @maya2"),
    ):
        reply = await h.run(*line)
        assert "Nothing" not in reply.text, reply.text


def test_the_table_is_big_enough() -> None:
    assert len(TABLE) >= 60
    assert sum(isinstance(x, Refused) for _, _, x in TABLE) >= 30


async def test_typed_lines_get_their_reply_class(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        h.port.meet("maya2")
        await _world(h)
        wrong = []
        for who, line, expected in TABLE:
            before = await snapshot(h) if isinstance(expected, Refused) else None
            h.out.clear()
            outcome = await h.router.run_text(
                Invocation("console", "console", who), "/circle " + line
            )
            reply = outcome.reply
            if outcome.status is not (
                Status.REFUSED if isinstance(expected, Refused) else Status.OK
            ):
                wrong.append(f"{line!r}: {outcome.status}: {reply.text}")
            elif isinstance(expected, Refused):
                if expected.names not in reply.text:
                    wrong.append(
                        f"{line!r}: expected error naming {expected.names!r}: {reply.text}"
                    )
                elif not reply.private or h.out:
                    wrong.append(f"{line!r}: an error was shown to others: {h.out}")
                elif await snapshot(h) != before:
                    wrong.append(f"{line!r}: an error changed the database")
            else:
                missing = [s for s in expected.shows if s not in reply.text]
                if missing:
                    wrong.append(f"{line!r}: expected {missing}: {reply.text}")
        assert not wrong, "\n".join(wrong)


async def test_a_crisis_line_shows_resources_then_the_mentor_then_help(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await _world(h)
        for line in ("/circle i need help", "/circle help me", "/circle ayuda", "/circle crisis"):
            text = (await h.run("ana", line)).text
            first, consult, more = (
                text.index("emergency services"),
                text.index("/circle consult"),
                text.index("/circle help"),
            )
            assert first < consult < more, text
