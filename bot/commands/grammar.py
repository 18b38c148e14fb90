"""The one text grammar shared by the console and Slack.

``/circle schedule set day:tuesday time:19:00 where:"Room 2"`` — command words first, then
``key:value`` options (quotes for spaces), bare words for options in declared order, and people as
``@name`` (console) or ``<@U123|name>`` (Slack's escaped mentions).
"""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass, field

from bot.commands.spec import CommandSpec, Option, OptType, Registry
from bot.core.errors import UserError
from bot.i18n import N_

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_MENTION = re.compile(r"^(?:@\S+|<@[A-Za-z0-9]+(?:\|[^>]*)?>)$")
_PERSON_OPTS = (OptType.USER, OptType.USERS)


@dataclass
class Parsed:
    spec: CommandSpec
    values: dict[str, str | list[str]] = field(default_factory=dict)


def tokenize(text: str) -> list[str]:
    try:
        lexer = shlex.shlex(text.translate(_SMART_QUOTES), posix=True, punctuation_chars=False)
        lexer.whitespace_split = True
        lexer.commenters = ""
        return list(lexer)
    except ValueError:
        raise UserError(
            N_(
                "A quotation mark is not closed. Put text with spaces in matching quotes, "
                'like text:"my words".'
            )
        ) from None


def is_mention(token: str) -> bool:
    return bool(_MENTION.match(token))


def parse(text: str, registry: Registry) -> Parsed:
    """Split a command line into its declared command and raw option values (still text)."""
    tokens = tokenize(text.strip())
    if tokens and tokens[0].lower() in ("/circle", "circle"):
        tokens = tokens[1:]
    if not tokens:
        raise UserError(N_("Type a command after /circle, for example /circle help."))
    spec, used = _match(tokens, registry)
    return Parsed(spec, _assign(spec, tokens[used:]))


def _match(tokens: list[str], registry: Registry) -> tuple[CommandSpec, int]:
    words = [t.lower() for t in tokens]
    for length in (3, 2, 1):
        spec = registry.by_path.get(tuple(words[:length]))
        if spec is not None and len(words) >= length:
            return spec, length
    groups = registry.groups()
    first = words[0]
    if first in groups:
        subs = ", ".join(s.path[1] for s in groups[first] if len(s.path) > 1)
        raise UserError(
            N_("/circle {group} needs one of: {subs}. For example: /circle {example}."),
            group=first,
            subs=subs,
            example=groups[first][0].name,
        )
    close = difflib.get_close_matches(first, list(groups), n=1)
    if close:
        raise UserError(
            N_(
                'There is no command "{word}". Did you mean /circle {close}? '
                "Type /circle help to see what you can run."
            ),
            word=first,
            close=close[0],
        )
    raise UserError(
        N_('There is no command "{word}". Type /circle help to see what you can run.'),
        word=first,
    )


def _assign(spec: CommandSpec, tokens: list[str]) -> dict[str, str | list[str]]:
    values: dict[str, str | list[str]] = {}
    names = {o.name for o in spec.options} | {"circle"}
    positional = [o for o in spec.options if o.type not in _PERSON_OPTS]
    people = [o for o in spec.options if o.type in _PERSON_OPTS]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        key, sep, value = token.partition(":")
        if sep and key.lower() in names and not is_mention(token):
            key = key.lower()
            if key in values:
                raise UserError(
                    N_("The option {key}: is given twice. Usage: {usage}"),
                    key=key,
                    usage=spec.usage(),
                )
            opt = spec.option(key)
            if opt is not None and opt.type is OptType.USERS:
                values[key] = [value, *_take_mentions(tokens, i + 1)]
                i += len(values[key])
                continue
            values[key] = value
        elif is_mention(token) and people:
            opt = next((o for o in people if o.type is OptType.USERS or o.name not in values), None)
            if opt is None:
                raise _too_many(spec, token)
            if opt.type is OptType.USERS:
                current = values.setdefault(opt.name, [])
                assert isinstance(current, list)
                current.append(token)
            else:
                values[opt.name] = token
        else:
            opt = next((o for o in positional if o.name not in values and _fits(o, token)), None)
            if opt is None:
                raise _too_many(spec, token)
            if opt.rest:
                values[opt.name] = " ".join(tokens[i:])
                break
            values[opt.name] = token
        i += 1
    return values


def _fits(opt: Option, token: str) -> bool:
    """An optional choice is passed over by a word that is none of its choices."""
    return opt.required or not opt.choices or token.lower() in opt.choices


def _take_mentions(tokens: list[str], start: int) -> list[str]:
    out = []
    for token in tokens[start:]:
        if not is_mention(token):
            break
        out.append(token)
    return out


def _too_many(spec: CommandSpec, token: str) -> UserError:
    return UserError(
        N_('"{token}" does not fit here. Usage: {usage}'), token=token, usage=spec.usage()
    )
