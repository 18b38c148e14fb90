"""Words people type for a choice, in their own language: ``rsvp sí``, ``day:martes``.

Every choice keeps one canonical (English) value that the code, the database and Discord's
choices use. Each language's catalog says which words mean it: the msgid ``word:VALUE`` (for
example ``word:yes``) has as msgstr the words a reader types, alternatives separated by ``|``
(``sí|si``), the first being the one shown in usage lines. Accents and case do not matter
(``miercoles`` is ``miércoles``). Words of every catalog language are accepted everywhere, since
the text grammar reads a line before it knows the circle, and no two languages' words for
different values of one option collide.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from bot.i18n import LANGUAGES, N_, translate

TYPED = {
    "yes": N_("word:yes"),
    "no": N_("word:no"),
    "maybe": N_("word:maybe"),
    "monday": N_("word:monday"),
    "tuesday": N_("word:tuesday"),
    "wednesday": N_("word:wednesday"),
    "thursday": N_("word:thursday"),
    "friday": N_("word:friday"),
    "saturday": N_("word:saturday"),
    "sunday": N_("word:sunday"),
    "member": N_("word:member"),
    "leader": N_("word:leader"),
    "facilitating": N_("word:facilitating"),
    "observing": N_("word:observing"),
    "on_call": N_("word:on_call"),
    "graduated": N_("word:graduated"),
    "art": N_("word:art"),
    "writing": N_("word:writing"),
    "play": N_("word:play"),
    "movement": N_("word:movement"),
    "reflection": N_("word:reflection"),
    "check-in": N_("word:check-in"),
    "closing": N_("word:closing"),
    "advance": N_("word:advance"),
    "set": N_("word:set"),
    "plan": N_("word:plan"),
    "dm": N_("word:dm"),
    "channel": N_("word:channel"),
    "off": N_("word:off"),
    "en": N_("word:en"),
    "es": N_("word:es"),
}
"""Canonical value → the msgid whose translation lists the words for it."""

PLACEHOLDERS = {
    "NAME": N_("NAME"),
    "WORD": N_("WORD"),
    "N": N_("N"),
    "YYYY-MM-DD": N_("YYYY-MM-DD"),
    "HH:MM": N_("HH:MM"),
    "KIND": N_("KIND"),
    "STAGE": N_("STAGE"),
    "Area/City": N_("Area/City"),
}
"""What usage lines show where a person writes their own value."""


LABELS = {
    "from": N_("option:from"),
    "people": N_("option:people"),
    "turn": N_("option:turn"),
    "until": N_("option:until"),
    "action": N_("option:action"),
    "anonymous": N_("option:anonymous"),
    "answer": N_("option:answer"),
    "before": N_("option:before"),
    "circle": N_("option:circle"),
    "confirm": N_("option:confirm"),
    "date": N_("option:date"),
    "day": N_("option:day"),
    "duration": N_("option:duration"),
    "every_weeks": N_("option:every_weeks"),
    "from_rsvps": N_("option:from_rsvps"),
    "hours": N_("option:hours"),
    "id": N_("option:id"),
    "kind": N_("option:kind"),
    "language": N_("option:language"),
    "leader": N_("option:leader"),
    "max_size": N_("option:max_size"),
    "member": N_("option:member"),
    "mentor": N_("option:mentor"),
    "message": N_("option:message"),
    "min_size": N_("option:min_size"),
    "minutes": N_("option:minutes"),
    "name": N_("option:name"),
    "offsets": N_("option:offsets"),
    "planned": N_("option:planned"),
    "present": N_("option:present"),
    "reason": N_("option:reason"),
    "role": N_("option:role"),
    "rounds": N_("option:rounds"),
    "rrule": N_("option:rrule"),
    "seal": N_("option:seal"),
    "stage": N_("option:stage"),
    "start": N_("option:start"),
    "text": N_("option:text"),
    "time": N_("option:time"),
    "timezone": N_("option:timezone"),
    "to": N_("option:to"),
    "topic": N_("option:topic"),
    "version": N_("option:version"),
    "where": N_("option:where"),
}
"""Option names in a reader's language: as placeholders where they stand for a value
(``/circle rsvp answer``, ``@member``) and as Discord's option names; where people type them as a
key (``date:``) they stay as they are. Every declared option needs one (tests/test_i18n.py)."""


def label(name: str, lang: str) -> str:
    """An option's name as a placeholder for readers of ``lang`` (``respuesta`` for answer)."""
    msgid = LABELS.get(name)
    text = translate(msgid, lang) if msgid else name
    return name if text == msgid else text


def fold(word: str) -> str:
    """Lower case without accents, so ``Sí``, ``si`` and ``SI`` are one word."""
    decomposed = unicodedata.normalize("NFKD", word.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(value: str, lang: str) -> list[str]:
    msgid = TYPED.get(value)
    if msgid is None:
        return []
    text = translate(msgid, lang)
    return [] if text == msgid else [w.strip() for w in text.split("|") if w.strip()]


@lru_cache(maxsize=1)
def _aliases() -> dict[str, frozenset[str]]:
    """A folded word → every canonical value it may mean (usually one)."""
    found: dict[str, set[str]] = {}
    for value in TYPED:
        found.setdefault(fold(value), set()).add(value)
        for lang in LANGUAGES:
            for word in _words(value, lang):
                found.setdefault(fold(word), set()).add(value)
    return {word: frozenset(values) for word, values in found.items()}


def canonical(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` means, in any language, or None when it means none of them."""
    allowed = tuple(choices)
    plain = word.strip().lower()
    if plain in allowed:
        return plain
    meant = [v for v in _aliases().get(fold(word), ()) if v in allowed]
    return meant[0] if len(meant) == 1 else None


def means(word: str, value: str) -> bool:
    """Whether ``word`` is one of the words for ``value`` (``sí`` for ``yes``)."""
    return canonical(word, (value,)) == value


def shown(value: str, lang: str) -> str:
    """The word a reader of ``lang`` types for ``value`` (``martes`` for ``tuesday``)."""
    words = _words(value, lang)
    return words[0] if words else value


def placeholder(text: str, lang: str) -> str:
    """A usage placeholder (``NAME``, ``YYYY-MM-DD``) for readers of ``lang``."""
    msgid = PLACEHOLDERS.get(text)
    return translate(msgid, lang) if msgid else text
