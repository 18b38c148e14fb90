"""The message catalog: every user-facing text is a gettext msgid rendered in a circle's language.

Catalogs are the Babel ``.po`` files under ``bot/locale/<lang>/LC_MESSAGES/circlekeeper.po``
(extract: ``pybabel extract -F babel.cfg -k t -k N_ -o bot/locale/circlekeeper.pot .``).
A missing translation falls back to the English msgid, so a new language can grow gradually.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "circlekeeper"
LANGUAGES = ("en", "es")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


@lru_cache(maxsize=8)
def _catalog(lang: str) -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and m.string and not m.fuzzy and isinstance(m.id, str)
    }


def translate(message: str, lang: str = "en", **values: object) -> str:
    """The message in ``lang`` with ``{name}`` placeholders filled in."""
    text = _catalog(lang).get(message, message) if lang != "en" else message
    return text.format(**values) if values else text


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
)
"""Role and stage names shown to people; listed so that extraction finds them."""
