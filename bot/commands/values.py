"""Typed option values from what people type: numbers, yes/no, choices, dates, times, zones,
people and circles — in the circle's language.

People write ``7pm``, ``19h``, ``tomorrow``, ``next tuesday``, ``3 March``, ``mañana``,
``3 de marzo``, ``los angeles``. Each is understood or refused with what to type instead; what was
understood from a non-canonical form is echoed back (``Understood date: "tomorrow" as Tuesday,
March 3, 2026``) so nothing is guessed silently. Dates far from today are refused: they mean a
typo and would overflow calendar arithmetic.

Relative words and weekdays are read here (exactly, both languages); written-out dates
(``3 March``, ``3 de marzo``) go to dateparser with the circle's language. All-number dates other
than ``YYYY-MM-DD`` (``3/4``) are refused: day and month order differs between people.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import dateparser
from babel.dates import format_date

from bot.commands import words as typed
from bot.commands.context import Context
from bot.commands.grammar import check_storable
from bot.commands.spec import CommandSpec, Option, OptType
from bot.commands.synonyms import CHOICE_WORDS, choice_word, weekday
from bot.core import schedules
from bot.core.errors import UserError
from bot.i18n import N_
from storage import repos
from storage.models import Circle

YES = {"yes", "y", "true", "on", "1", "sí", "si", "s"}
NO = {"no", "n", "false", "off", "0"}
MAX_DAYS_AWAY = 3660
"""Dates further than about ten years from today are refused."""
MAX_INT = 2_147_483_647
MAX_DATE_LENGTH = 40
"""Longer text is no date (and is not handed to dateparser)."""
_TRAILING = ".,;!?"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^[\d\s./-]+$")
_TIME = re.compile(
    r"^(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*(am|pm|a\.?m\.?|p\.?m\.?|h|hs|hrs|o'clock)?"
    r"(?:\s+de\s+la\s+(mañana|manana|tarde|noche|madrugada))?$",
    re.IGNORECASE,
)
_WORD_TIMES = {"noon": time(12), "midday": time(12), "mediodía": time(12), "mediodia": time(12)}

_RELATIVE = {
    "en": {"today": 0, "tomorrow": 1, "yesterday": -1, "day after tomorrow": 2},
    "es": {"hoy": 0, "mañana": 1, "manana": 1, "ayer": -1, "pasado mañana": 2, "pasado manana": 2},
}
_NEXT = {"next", "this", "coming", "on", "el", "este", "próximo", "proximo", "que viene"}
_LAST = {"last", "past", "pasado"}


@dataclass(frozen=True)
class Understood:
    """A value read from a non-canonical form, to echo back: ``date``, ``tomorrow``, the date."""

    option: str
    typed: str
    meant: str


def clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def parse_time(text: str) -> time | None:
    """``19:00``, ``7pm``, ``7:00 PM``, ``19h``, ``19h30``, ``19.00``, ``7 de la tarde``, ``noon``.
    A bare ``7`` is refused: morning or evening?"""
    text = clean(text).lower().rstrip(_TRAILING.replace(".", "")).strip()
    if text in _WORD_TIMES:
        return _WORD_TIMES[text]
    match = _TIME.match(text)
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    suffix = (match[3] or "").replace(".", "").lower()
    part = (match[4] or "").lower()
    if suffix in ("am", "pm") or part:
        if not 1 <= hour <= 12:
            return None
        evening = suffix == "pm" or part in ("tarde", "noche")
        hour = hour % 12 + (12 if evening else 0)
    elif match[2] is None and suffix not in ("h", "hs", "hrs"):
        return None
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _languages(lang: str) -> list[str]:
    return [lang] if lang == "en" else [lang, "en"]


def parse_date(text: str, lang: str, today: date) -> date | None:
    """A date as typed (see the module docstring), relative to ``today`` in the circle's zone."""
    raw = clean(text).lower().strip(_TRAILING.replace(".", "") + " ")
    raw = raw.rstrip(".")
    iso = _ISO.match(raw)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
    if not raw or _NUMERIC.match(raw) or len(raw) > MAX_DATE_LENGTH:
        return None
    words = " ".join(raw.replace(",", " ").split())
    for language in _languages(lang):
        if words in _RELATIVE.get(language, {}):
            return today + timedelta(days=_RELATIVE[language][words])
    found = _relative_weekday(words, today)
    if found is not None:
        return found
    parsed = dateparser.parse(
        words,
        languages=_languages(lang),
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": datetime.combine(today, time(12)),
            "REQUIRE_PARTS": ["day", "month"],
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if parsed is None:
        return None
    if re.search(r"\b\d{4}\b", words):
        return parsed.date()
    return _nearest_year(parsed.date(), today)


RECENT = timedelta(days=31)
"""A day and month with no year that passed less than this long ago means that recent day."""


def _nearest_year(day: date, today: date) -> date:
    """``3 March`` with no year: the next 3 March from today, unless it was in the last month
    (said on 4 March, for attendance, it was yesterday). 29 February: the next one."""
    for year in range(today.year, today.year + 8):
        try:
            candidate = day.replace(year=year)
        except ValueError:
            continue
        if candidate >= today - RECENT:
            return candidate
    return day


def _relative_weekday(words: str, today: date) -> date | None:
    """``tuesday``, ``next tuesday``, ``el próximo martes``, ``martes que viene``: the first such
    day after today; ``last tuesday``, ``el martes pasado``: the latest before today."""
    parts = words.split()
    days = [(i, weekday(p)) for i, p in enumerate(parts) if weekday(p) is not None]
    if len(days) != 1:
        return None
    index, wanted = days[0]
    assert wanted is not None
    others = set(parts[:index] + parts[index + 1 :])
    rest = " ".join(parts[index + 1 :])
    if rest == "que viene":
        others = {"que viene"}
    if others - _NEXT - _LAST - {"el", "the", "on"}:
        return None
    if others & _LAST:
        back = (today.weekday() - wanted) % 7 or 7
        return today - timedelta(days=back)
    ahead = (wanted - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def today_for(ctx: Context) -> date:
    zone = schedules.zone_of(ctx.circle.timezone) if ctx.circle is not None else None
    now = ctx.now()
    return now.astimezone(zone).date() if zone is not None else now.date()


def shown_date(d: date, lang: str) -> str:
    return f"{format_date(d, format='full', locale=lang)} ({d.isoformat()})"


# -- one command's options ---------------------------------------------------------------------


async def convert(
    ctx: Context, spec: CommandSpec, values: Mapping[str, str | list[str]]
) -> tuple[dict[str, Any], list[Understood]]:
    """Every declared option as its Python value; a missing required one or a bad value is a
    ``UserError`` naming that option. Also returns what was read from non-canonical forms."""
    out: dict[str, Any] = {}
    notes: list[Understood] = []
    for opt in spec.options:
        raw = values.get(opt.name)
        if raw is None or raw == "" or raw == []:
            if opt.required:
                raise UserError(
                    N_("/circle {name} needs {option}. Usage: {usage} For example: {example}"),
                    name=spec.name,
                    option=typed.label(opt.name, ctx.lang),
                    usage=spec.usage(ctx.lang),
                    example=spec.example_in(ctx.lang),
                )
            out[opt.name] = await value(ctx, spec, opt, opt.default, []) if opt.default else None
            continue
        out[opt.name] = await value(ctx, spec, opt, raw, notes)
    return out, notes


async def value(
    ctx: Context, spec: CommandSpec, opt: Option, raw: str | Sequence[str], notes: list[Understood]
) -> Any:
    """One option's value (see ``convert``)."""

    def bad(hint: str, **values: object) -> UserError:
        return UserError(
            N_("{option}: {hint} Usage: {usage} For example: {example}"),
            option=typed.label(opt.name, ctx.lang),
            hint=ctx.t(hint, **values),
            usage=spec.usage(ctx.lang),
            example=spec.example_in(ctx.lang),
        )

    for part in [raw] if isinstance(raw, str) else raw:
        check_storable(part)
    if opt.type is OptType.USERS:
        tokens = raw.split() if isinstance(raw, str) else list(raw)
        return [await user(ctx, t) for t in tokens]
    text = clean(raw if isinstance(raw, str) else " ".join(raw))
    word = text.lower().rstrip(_TRAILING)
    match opt.type:
        case OptType.TEXT | OptType.WORD:
            if len(text) > opt.max_length:
                raise bad(N_("keep it under {n} characters."), n=opt.max_length)
            if opt.type is OptType.WORD and " " in text:
                raise bad(N_("one word only."))
            return text
        case OptType.INT:
            try:
                number = int(word) if word.isascii() and len(word) <= 12 else None
            except ValueError:
                number = None
            if number is None:
                raise bad(N_('"{text}" is not a whole number.'), text=text[:40])
            lo, hi = opt.min, opt.max if opt.max is not None else MAX_INT
            if (lo is not None and number < lo) or number > hi:
                if lo is None:
                    raise bad(N_("give a number no larger than {hi}."), hi=hi)
                raise bad(N_("give a number from {lo} to {hi}."), lo=lo, hi=hi)
            return number
        case OptType.CHOICE:
            return _choice(ctx, opt, word, text, notes, bad)
        case OptType.BOOL:
            local = CHOICE_WORDS.get(ctx.lang, {}).get(word, word)
            if local in YES or typed.means(word, "yes"):
                return True
            if local in NO or typed.means(word, "no"):
                return False
            raise bad(N_("say yes or no."))
        case OptType.DATE:
            return _date(ctx, opt, text, notes, bad)
        case OptType.TIME:
            found = parse_time(text)
            if found is None:
                raise bad(N_("write the time as HH:MM, like 19:00, or like 7pm."))
            if text != found.strftime("%H:%M"):
                notes.append(Understood(opt.name, text, found.strftime("%H:%M")))
            return found
        case OptType.ZONE:
            name = schedules.zone_name(text)
            if name != text:
                notes.append(Understood(opt.name, text, name))
            return name
        case OptType.USER:
            return await user(ctx, text)
        case OptType.CIRCLE:
            return await circle_named(ctx, text)
    raise AssertionError(opt.type)


def _choice(
    ctx: Context, opt: Option, word: str, text: str, notes: list[Understood], bad: Any
) -> str:
    if word in opt.choices:
        return word
    # The catalog's words for a choice, in every language (bot/commands/words.py): apertura,
    # avanzar, disponibilidad, miembro. The circle's own language needs no echo.
    meant = typed.canonical(word, opt.choices)
    if meant is not None:
        return meant
    local = choice_word(word, ctx.lang)
    if local in opt.choices:
        assert local is not None
        if word not in CHOICE_WORDS.get(ctx.lang, {}):  # a short form, not the circle's own word
            notes.append(Understood(opt.name, text, local))
        return local
    close = difflib.get_close_matches(word, opt.choices, n=1, cutoff=0.7)
    if close:
        raise bad(
            N_('"{text}" is not one of {choices}; did you mean {close}?'),
            text=text[:40],
            choices=", ".join(typed.shown(c, ctx.lang) for c in opt.choices),
            close=typed.shown(close[0], ctx.lang),
        )
    shown = ", ".join(typed.shown(c, ctx.lang) for c in opt.choices)
    raise bad(N_("choose one of {choices}."), choices=shown)


def _date(ctx: Context, opt: Option, text: str, notes: list[Understood], bad: Any) -> date:
    today = today_for(ctx)
    found = parse_date(text, ctx.lang, today)
    if found is None:
        raise bad(N_("write the date as YYYY-MM-DD, like 2026-03-14 (or tomorrow, or 3 March)."))
    if abs((found - today).days) > MAX_DAYS_AWAY:
        raise bad(
            N_("{day} is too far from today. Give a date within ten years of today."),
            day=found.isoformat(),
        )
    if text != found.isoformat():
        notes.append(Understood(opt.name, text, shown_date(found, ctx.lang)))
    return found


async def user(ctx: Context, token: str) -> str:
    found = await ctx.port.resolve_user(ctx.workspace, token)
    if found is None:
        raise UserError(
            N_(
                'I do not know who "{token}" is. Mention the person with @ and pick them from '
                "the list."
            ),
            token=token[:80],
        )
    return found


_MAX_ID = 2**63 - 1


async def circle_named(ctx: Context, text: str) -> Circle:
    """A circle of this workspace by name, or by ``#id`` (what buttons carry)."""
    check_storable(text)
    s, inv = ctx.session, ctx.inv
    text = clean(text)
    circle: Circle | None = None
    if text.startswith("#") and text[1:].isascii() and text[1:].isdigit():
        number = int(text[1:]) if len(text) <= 20 else _MAX_ID + 1
        if number <= _MAX_ID:
            circle = await repos.circle_by_id(s, inv.platform, inv.workspace, number)
    elif len(text) <= 200:
        circle = await repos.circle_by_name(s, inv.platform, inv.workspace, text)
    if circle is None:
        raise UserError(
            N_(
                'There is no circle called "{name}" here. Type /circle list (organizers) or '
                "check the spelling."
            ),
            name=text[:80],
        )
    return circle


def understood_lines(ctx: Context, notes: Sequence[Understood]) -> list[str]:
    return [
        ctx.t(
            N_('Understood {option}: "{typed}" as {meant}.'),
            option=typed.label(n.option, ctx.lang),
            typed=n.typed,
            meant=n.meant,
        )
        for n in notes
    ]
