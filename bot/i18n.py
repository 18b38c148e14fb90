"""The message catalog: every user-facing text is a gettext msgid rendered in a circle's language.

Catalogs are the Babel ``.po`` files under ``bot/locale/<lang>/LC_MESSAGES/circlekeeper.po``;
``bot/locale/README.md`` says how to extract, translate and add a language. A language is any
folder there: adding one needs no Python change. A missing translation falls back to the English
msgid (the catalog test refuses to ship one).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.lists import format_list as babel_format_list
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "circlekeeper"


def _languages() -> tuple[str, ...]:
    found = sorted(
        p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()
    )
    return ("en", *(lang for lang in found if lang != "en"))


LANGUAGES = _languages()
"""English (the msgids) plus every language with a catalog under ``bot/locale``."""


def language_of(locale: str | None) -> str | None:
    """The catalog language for a platform's locale (``es-419``, ``es-ES``, ``es-LA`` → ``es``),
    or None when there is no catalog for it."""
    if not locale:
        return None
    lang = locale.replace("_", "-").split("-")[0].lower()
    return lang if lang in LANGUAGES else None


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


def _english_plural(n: int) -> int:
    return int(n != 1)


@dataclass(frozen=True)
class _Catalog:
    singular: dict[str, str] = field(default_factory=dict)
    plural: dict[str, tuple[str, ...]] = field(default_factory=dict)
    index: Callable[[int], int] = _english_plural


@lru_cache(maxsize=16)
def _catalog(lang: str) -> _Catalog:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == "en" or not path.is_file():
        return _Catalog()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, str) and isinstance(m.string, str) and m.string:
            singular[m.id] = m.string
        elif isinstance(m.id, tuple | list) and isinstance(m.string, tuple | list):
            forms = tuple(str(s) for s in m.string)
            if all(forms):
                plural[str(m.id[0])] = forms
    # The Plural-Forms header is a C expression (gettext's own format); the stdlib compiles it.
    index = gettext.c2py(catalog.plural_expr) if catalog.plural_expr else _english_plural
    return _Catalog(singular, plural, index)


def translate(message: str, lang: str = "en", **values: object) -> str:
    """The message in ``lang`` with ``{name}`` placeholders filled in."""
    text = _catalog(lang).singular.get(message, message)
    return text.format(**values) if values else text


def translate_plural(singular: str, plural: str, n: int, lang: str = "en", **values: object) -> str:
    """The form of an ngettext message for count ``n`` in ``lang``; ``{n}`` is filled in too.

    Languages differ in how many forms they have and which count takes which (the catalog's
    Plural-Forms header says), so a count is never glued onto a fixed noun in code.
    """
    cat = _catalog(lang)
    forms = cat.plural.get(singular)
    if forms is None:
        text = singular if _english_plural(n) == 0 else plural
    else:
        text = forms[min(cat.index(n), len(forms) - 1)]
    return text.format(n=n, **values)


# Date patterns are messages too (CLDR/Babel syntax, https://babel.pocoo.org/en/latest/dates.html):
# a translator writes the order and words their readers expect; Babel fills in the day and month
# names of that language. English keeps the compact ISO form people also type (date:2026-03-14).
WHEN_PATTERN = N_("EEE yyyy-MM-dd HH:mm")
"""A meeting's start in its circle's zone; the zone's abbreviation (CET, PST) follows."""
DAY_PATTERN = N_("yyyy-MM-dd")
"""A day in prose ("the meeting on …"), where no one has to type it back."""
TIME_PATTERN = N_("HH:mm")


@lru_cache(maxsize=16)
def babel_locale(lang: str) -> Locale:
    """Babel's locale for a catalog language (English when Babel does not know it)."""
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_when(when: datetime, zone: ZoneInfo, lang: str = "en") -> str:
    """A moment in ``zone`` for readers of ``lang``: "martes 3 de marzo de 2026, 19:00 CET"."""
    local = when.astimezone(zone)
    text = format_datetime(local, translate(WHEN_PATTERN, lang), locale=babel_locale(lang))
    return f"{text} {local.strftime('%Z')}".strip()


def format_day(day: date, lang: str = "en") -> str:
    """A calendar day for readers of ``lang``: "martes 3 de marzo de 2026"."""
    return format_date(day, translate(DAY_PATTERN, lang), locale=babel_locale(lang))


def format_clock(when: datetime, lang: str = "en") -> str:
    """A wall-clock time for readers of ``lang`` (``when`` is already local)."""
    return format_datetime(when, translate(TIME_PATTERN, lang), locale=babel_locale(lang))


def format_list(items: Iterable[str], lang: str = "en") -> str:
    """Items joined the way ``lang`` joins them in a sentence: "a, b y c" / "a, b, and c"."""
    words = list(items)
    return babel_format_list(words, locale=babel_locale(lang)) if words else ""


def format_span(delta: timedelta, lang: str = "en") -> str:
    """A length of time in words: "1 día", "2 horas 5 minutos", "20 minutes".

    Whole days from two days on (or for one day and no hours); hours and minutes below that,
    so "starts in 1 hour 30 minutes" stays exact where it matters.
    """
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    if days >= 2 or (days and not hours):
        return translate_plural("{n} day", "{n} days", days, lang)
    hours += days * 24
    parts = []
    if hours:
        parts.append(translate_plural("{n} hour", "{n} hours", hours, lang))
    if mins or not hours:
        parts.append(translate_plural("{n} minute", "{n} minutes", mins, lang))
    return " ".join(parts)


ENUM_WORDS = (
    N_("anyone"),
    N_("member"),
    N_("leader"),
    N_("mentor"),
    N_("organizer"),
    N_("facilitating"),
    N_("observing"),
    N_("on_call"),
    N_("graduated"),
    N_("art"),
    N_("writing"),
    N_("play"),
    N_("movement"),
    N_("reflection"),
    N_("check-in"),
    N_("closing"),
)
"""Role, stage and prompt-kind names shown to people; listed so that extraction finds them."""
