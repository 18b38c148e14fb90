"""Words people use for the English choice words commands declare: weekdays in every language
and short forms (``tue``, ``martes``), ``sí`` for yes. Shared by the grammar (which word fits
which option) and value conversion (what it means).

Issue 12 brings catalog-based typed words (``bot/commands/words.py``, ``word:VALUE`` msgids);
once it lands, ``choice_word`` can defer to ``words.canonical`` and keep only the short forms
and weekday names that date parsing needs."""

from __future__ import annotations

WEEKDAYS = {
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
_SHORT_DAYS = {
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5,
    "sun": 6, "miercoles": 2, "sabado": 5,
}  # fmt: skip
CHOICE_WORDS = {
    "es": {"sí": "yes", "si": "yes", "canal": "channel", "md": "dm", "apagado": "off", **{
        es: en for en, es in zip(WEEKDAYS["en"], WEEKDAYS["es"], strict=True)
    }, "miercoles": "wednesday", "sabado": "saturday"},
}  # fmt: skip
"""Words a circle's language uses for the English choice words commands declare."""


def weekday(word: str) -> int | None:
    """Monday is 0; any language's name or a short form."""
    word = word.strip(".,;!?").lower()
    for names in WEEKDAYS.values():
        if word in names:
            return names.index(word)
    return _SHORT_DAYS.get(word)


def choice_word(word: str, lang: str | None = None) -> str | None:
    """The English choice word meant by ``word`` in ``lang`` (any language when None)."""
    word = word.strip(".,;!?").lower()
    tables = [CHOICE_WORDS.get(lang, {})] if lang else list(CHOICE_WORDS.values())
    for table in tables:
        if word in table:
            return table[word]
    day = weekday(word)
    return WEEKDAYS["en"][day] if day is not None else None
