"""The shared text grammar: command words, key:value options, quotes, people."""

from __future__ import annotations

import pytest

from bot.commands.grammar import parse
from bot.core.errors import UserError
from bot.wiring import build_registry

REG = build_registry()


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
    # A TEXT option that takes the rest of the line.
    assert values("/circle rules edit Be kind. Listen.")[1] == {"text": "Be kind. Listen."}
    # An optional choice is passed over by words that are not among its choices.
    assert values('/circle prompt post "my own words"')[1] == {"text": "my own words"}
    assert values("/circle prompt post art")[1] == {"kind": "art"}
    assert values("circle RULES Show")[0] == "rules show"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/circle", "Type a command after /circle"),
        ("/circle nope", 'There is no command "nope"'),
        ("/circle hlep", "Did you mean /circle help?"),
        ("/circle add @a @b", '"@b" does not fit here'),
        ("/circle add @a role:leader role:member", "The option role: is given twice"),
        ('/circle create "open', "A quotation mark is not closed"),
    ],
)
def test_errors_say_what_to_type(text: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse(text, REG)
    assert message in err.value.message.format(**err.value.values)
