"""Every user-facing text goes through the catalog, and every language under bot/locale has it all.

The checks read the code (the same keywords as the extraction command in bot/locale/README.md)
and every ``bot/locale/<lang>/LC_MESSAGES/circlekeeper.po``, so a new language is covered the
moment its folder exists, and a new English string fails here until it is translated.
"""

from __future__ import annotations

import re
import string
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, translate, translate_plural
from tests.harness import Harness

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "bot" / "locale"
POT = LOCALE / "circlekeeper.pot"
DATA = ROOT / "bot" / "core" / "data"
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "N_": None,
    "t": None,
    "translate": None,
    "tn": (1, 2),
    "translate_plural": (1, 2),
}
HOW_TO_FIX = (
    "To fix it, run `make catalog` (it regenerates the template and merges it into every "
    "catalog; bot/locale/README.md), which is:\n"
    "  .venv/bin/pybabel extract -F babel.cfg -k N_ -k t -k translate -k tn:1,2 "
    "-k translate_plural:1,2 --no-location -w 100 --project circlekeeper --version 0.1 "
    "-o bot/locale/circlekeeper.pot .\n"
    "  .venv/bin/pybabel update -i bot/locale/circlekeeper.pot -d bot/locale -D circlekeeper "
    "-w 100 --ignore-obsolete --no-fuzzy-matching\n"
    "  then fill in msgstr (msgstr[0]/msgstr[1] for plurals) in {po}, keeping every {{name}} "
    "placeholder exactly as in the msgid."
)
CATALOG_LANGS = [lang for lang in LANGUAGES if lang != "en"]
MsgId = str | tuple[str, ...]


def _code_messages() -> set[MsgId]:
    found: set[MsgId] = set()
    for sub in ("bot", "cogs"):
        for _f, _l, message, _c, _ctx in extract_from_dir(
            ROOT / sub, keywords=KEYWORDS, method_map=[("**.py", "python")]
        ):
            found.add(tuple(message) if isinstance(message, tuple | list) else message)
    return found


CODE = _code_messages()


def _read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def _po(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "circlekeeper.po"


def _key(m_id: object) -> MsgId:
    return tuple(str(x) for x in m_id) if isinstance(m_id, tuple | list) else str(m_id)


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_there_is_a_spanish_catalog() -> None:
    assert "es" in CATALOG_LANGS
    assert len(CODE) > 300  # the extraction keywords find the code's messages


def test_the_template_matches_the_code() -> None:
    in_pot = {_key(m.id) for m in _read(POT) if m.id}
    missing = sorted(map(repr, CODE - in_pot))
    stale = sorted(map(repr, in_pot - CODE))
    assert not missing and not stale, (
        f"bot/locale/circlekeeper.pot is out of date.\nIn the code, not in the template: "
        f"{missing}\nIn the template, no longer in the code: {stale}\n"
        + HOW_TO_FIX.format(po="each bot/locale/<lang>/LC_MESSAGES/circlekeeper.po")
    )


@pytest.mark.parametrize("lang", CATALOG_LANGS)
def test_every_message_has_a_translation(lang: str) -> None:
    catalog = _read(_po(lang), lang)
    done: set[MsgId] = set()
    for m in catalog:
        strings = m.string if isinstance(m.string, tuple | list) else (m.string,)
        if m.id and not m.fuzzy and all(strings) and len(strings) >= 1:
            done.add(_key(m.id))
    missing = sorted(CODE - done, key=str)
    assert not missing, (
        f"{len(missing)} message(s) have no {lang} translation in bot/locale/{lang}/LC_MESSAGES/"
        "circlekeeper.po (an empty or fuzzy msgstr counts as missing):\n"
        + "\n".join(f"  msgid {m!r}" for m in missing)
        + "\n"
        + HOW_TO_FIX.format(po=f"bot/locale/{lang}/LC_MESSAGES/circlekeeper.po")
    )


@pytest.mark.parametrize("lang", CATALOG_LANGS)
def test_translations_keep_the_placeholders(lang: str) -> None:
    catalog = _read(_po(lang), lang)
    wrong = []
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, tuple | list):
            want = _fields(str(m.id[1]))
            forms = [str(s) for s in m.string]
            if len(forms) != catalog.num_plurals:
                wrong.append(
                    f"  {m.id!r}: {len(forms)} forms, Plural-Forms says {catalog.num_plurals}"
                )
            for form in forms:
                # A form for exactly one may say the number in words ("un día"), so {n} may go.
                if form and not (want - {"n"} <= _fields(form) <= want | _fields(str(m.id[0]))):
                    wrong.append(f"  msgid {m.id!r}\n  msgstr {form!r}")
        elif m.string and _fields(str(m.id)) != _fields(str(m.string)):
            wrong.append(f"  msgid {m.id!r}\n  msgstr {m.string!r}")
    assert not wrong, (
        f"bot/locale/{lang}/LC_MESSAGES/circlekeeper.po: these translations do not use the same "
        "{name} placeholders as their msgid (copy each {name} as it is; do not translate it):\n"
        + "\n".join(wrong)
    )


@pytest.mark.parametrize("lang", CATALOG_LANGS)
def test_no_stale_translations(lang: str) -> None:
    stale = [m.id for m in _read(_po(lang), lang) if m.id and m.string and _key(m.id) not in CODE]
    assert not stale, (
        f"bot/locale/{lang}/LC_MESSAGES/circlekeeper.po translates msgids the code no longer has: "
        f"{stale!r}. Run the update command (bot/locale/README.md) with --ignore-obsolete."
    )


@pytest.mark.parametrize("lang", CATALOG_LANGS)
def test_the_plural_forms_header_is_there(lang: str) -> None:
    text = _po(lang).read_text(encoding="utf-8")
    assert re.search(r'"Plural-Forms: nplurals=\d+; plural=.+;\\n"', text), (
        f"bot/locale/{lang}/LC_MESSAGES/circlekeeper.po needs a Plural-Forms header "
        "(pybabel init writes the right one for the language)."
    )


@pytest.mark.parametrize("lang", CATALOG_LANGS)
def test_every_library_prompt_is_in_every_language(lang: str) -> None:
    english = {row["key"] for row in tomllib.loads((DATA / "prompts.toml").read_text())["prompt"]}
    path = DATA / f"prompts.{lang}.toml"
    assert path.is_file(), f"{path} is missing: every library prompt needs a {lang} text."
    rows = tomllib.loads(path.read_text(encoding="utf-8"))["prompt"]
    keys = [row["key"] for row in rows]
    assert set(keys) == english and len(keys) == len(english), (
        f"{path}: missing {sorted(english - set(keys))}, unknown {sorted(set(keys) - english)}"
    )
    assert all(set(row) == {"key", "text"} and row["text"].strip() for row in rows), (
        f"{path}: each [[prompt]] has only key and text (kind, minutes, module come from "
        "prompts.toml)"
    )


def test_spanish_plurals_agree_with_the_count() -> None:
    assert translate_plural("{n} day", "{n} days", 1, "es") == "1 día"
    assert translate_plural("{n} day", "{n} days", 3, "es") == "3 días"
    assert translate_plural("{n} day", "{n} days", 0, "en") == "0 days"


def test_default_ground_rules_in_spanish() -> None:
    from bot.config import DEFAULT_RULES

    rules = translate(DEFAULT_RULES, "es")
    assert rules.startswith("1. Lo que se comparte en el círculo se queda en el círculo.")
    assert rules.count("\n") == DEFAULT_RULES.count("\n")


async def test_a_spanish_circle_gets_spanish_messages(db_url: str) -> None:
    async with Harness(db_url, datetime(2026, 3, 2, 17, 0, tzinfo=UTC)) as h:
        await h.run("organizer", '/circle create "Círculo martes" leader:@lee language:es')
        await h.run("lee", "/circle add @ana")
        assert any("[DM ana] Te damos la bienvenida a Círculo martes" in line for line in h.out)
        assert any("[button: Leer los acuerdos → /circle rules show circle:#1]" in x for x in h.out)
        assert any("Acepto los acuerdos del círculo" in line for line in h.out)
        r = await h.run("ana", "/circle resources")
        assert r.text.startswith("Si estás en peligro") and "988" in r.text
        r = await h.run("ana", "/circle add @ben")
        assert r.text.startswith(
            "Solo estas personas pueden usar /circle add: líder, equipo organizador"
        )


async def test_spanish_reminders_and_session(db_url: str) -> None:
    start = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    async with Harness(db_url, start) as h:
        await h.run("organizer", '/circle create "Círculo martes" leader:@lee language:es')
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle schedule set day:tuesday time:19:00 timezone:Europe/Madrid")
        h.out.clear()
        h.clock.advance(timedelta(hours=1))  # the 24 h reminder of Tuesday 19:00 CET is due
        await h.core.tick()
        assert any(
            "[DM ana] Recordatorio: Círculo martes se reúne" in line
            and "(empieza en 1 día)" in line
            for line in h.out
        ), h.out
        assert any("[button: Sí, voy a ir → /circle rsvp yes" in line for line in h.out)
        r = await h.run("ana", "/circle rsvp yes")
        assert r.text.startswith("Gracias. Confirmaste que vienes a la reunión")


def test_every_command_word_option_and_choice_can_be_said_in_every_language() -> None:
    """A new command, option or choice needs its words: Discord's localized name (NAMES), the
    option's label (words.LABELS) and the words people type for each choice (words.TYPED);
    the catalog tests above then ask for their translations."""
    from bot.commands import words
    from bot.commands.spec import OptType
    from bot.platforms.discord.commands import NAMES, CommandMap
    from bot.wiring import build_registry

    mapping = CommandMap(build_registry())
    missing = []
    for m in mapping:
        for n in range(1, len(m.words) + 1):
            if " ".join(m.words[:n]) not in NAMES:
                missing.append(
                    f"NAMES in bot/platforms/discord/commands.py: {' '.join(m.words[:n])!r}"
                )
        for o in m.options:
            if o.name not in words.LABELS:
                missing.append(f"LABELS in bot/commands/words.py: {o.name!r}")
            if o.source is not None and o.source.type is OptType.CHOICE:
                missing += [
                    f"TYPED in bot/commands/words.py: {c!r}"
                    for c in o.source.choices
                    if c not in words.TYPED
                ]
    assert not missing, "add these entries (then translate them):\n" + "\n".join(
        sorted(set(missing))
    )


def test_words_people_type_in_spanish_mean_the_same_choice() -> None:
    from bot.commands import words

    assert words.canonical("Sí", ("yes", "no")) == "yes"
    assert words.canonical("si", ("yes", "no")) == "yes"
    assert words.canonical("miercoles", ("monday", "wednesday")) == "wednesday"
    assert words.canonical("apertura", ("art", "check-in")) == "check-in"
    assert words.canonical("no", ("dm", "channel", "off")) == "off"  # "no" means off here
    assert words.canonical("no", ("yes", "no")) == "no"
    assert words.canonical("quizás", ("yes", "no")) is None
    assert words.shown("tuesday", "es") == "martes" and words.shown("tuesday", "en") == "tuesday"


def test_dates_lists_and_spans_in_the_readers_language() -> None:
    from zoneinfo import ZoneInfo

    from bot.i18n import format_day, format_list, format_span, format_when

    start = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    mexico = ZoneInfo("America/Mexico_City")
    assert format_when(start, mexico, "es") == "martes 3 de marzo de 2026, 19:00 CST"
    assert format_when(start, mexico, "en") == "Tue 2026-03-03 19:00 CST"
    assert format_day(start.date(), "es") == "miércoles 4 de marzo de 2026"
    assert format_day(start.date(), "en") == "2026-03-04"
    assert format_list(["@ana", "@ben", "@cara"], "es") == "@ana, @ben y @cara"
    assert format_span(timedelta(hours=1, minutes=30), "es") == "1 hora 30 minutos"
    assert format_span(timedelta(days=1), "es") == "1 día"


async def test_an_anonymous_consult_asked_in_spanish_keeps_the_name_out(db_url: str) -> None:
    async with Harness(db_url, datetime(2026, 3, 2, 17, 0, tzinfo=UTC)) as h:
        await h.run("organizer", '/circle create "Círculo" leader:@lee mentor:@maya language:es')
        await h.run("lee", "/circle add @ana")
        h.out.clear()
        r = await h.run("ana", '/circle consult "Necesito hablar" anonymous:sí')
        assert "sin tu nombre" in r.text, r.text
        to_mentor = "\n".join(line for line in h.out if "[DM maya]" in line or line.startswith(" "))
        assert "Una consulta anónima" in to_mentor and "@ana" not in to_mentor
        assert "anonymous:" not in to_mentor


@pytest.mark.parametrize("lang", CATALOG_LANGS)
def test_every_translated_example_is_a_working_line_of_the_same_command(lang: str) -> None:
    from bot.commands.grammar import parse
    from bot.wiring import build_registry

    registry = build_registry()
    broken = []
    for spec in registry:
        for example in spec.examples_in(lang):
            try:
                parsed = parse("/circle " + example, registry)
            except Exception as exc:  # report every broken line at once
                broken.append(f"{example!r}: {type(exc).__name__}")
                continue
            if parsed.spec.name != spec.name:
                broken.append(f"{example!r} runs /circle {parsed.spec.name}, not {spec.name}")
    assert not broken, f"{lang} examples that do not work as typed:\n" + "\n".join(broken)
