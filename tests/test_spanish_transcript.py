"""A Spanish circle, every command, and not one English sentence in what people read.

``tests/scripts/spanish.txt`` runs every command as members, leaders, a mentor and an organizer
(in a deployment whose default language is Spanish, ``tests/scripts/spanish.toml``). Its
transcript is kept like the English ones, and each line the bot wrote is checked two ways:
no English msgid of the catalog appears in it (a missed translation), and none of its words is
a common English word (an English text that never went through the catalog). What the people in
the script typed, command syntax (``/circle rules show``, ``date:…``, ``@ana``), the console's
own notes (``[#channel] access ana: post``) and the configured names of crisis services are not
sentences the bot says, and are left out before checking.
"""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
import tomllib
from pathlib import Path

from babel.messages.pofile import read_po

from bot.config import DEFAULT_RESOURCES
from bot.wiring import build_registry

HERE = Path(__file__).parent / "scripts"
ROOT = Path(__file__).resolve().parents[1]
LIBRARY_PROMPT = re.compile(r"(\([\w-]+, unos )\d+ minutos\): .*")
SEAL = re.compile(r"seal:[\w-]+")

ENGLISH = {
    word
    for line in (HERE / "english-words.txt").read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for word in line.split()
}

CONSOLE_NOTE = re.compile(
    r"^\s*\[(?:#[^\]]+)\] (?:private channel created|pinned m\d+|access \S+: \w+"
    r"|channel archived: readable, nobody can post)$"
    r"|^circlekeeper console \(|^\s*\[console\] "
    r"|^\s*\[clock\] "
    r"|^\s*\[file: [^\]]*\]$"
)
SPEAKER = re.compile(r"^\s*(?:\[(?:#[^\]]+|DM [^\]]+)\]\s?|→ \(only you\)\s?)")
BUTTON = re.compile(r"\[button: (.*?) → /circle [^\]]*\]")
OPTION = re.compile(r"""\[?\b[\w-]+:(?:"[^"]*"|\S+?)\]?(?=[\s,.;)]|$)""")
URL = re.compile(r"https?://\S+")
ZONE = re.compile(r"\b[A-Z][A-Za-z]+/[A-Za-z_]+\b")
MENTION = re.compile(r"@\w+")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _command_words() -> set[str]:
    return {w for spec in build_registry() for w in spec.path}


COMMAND_WORDS = _command_words()


def run_spanish(tmp_path: Path) -> str:
    env = {
        **os.environ,
        "CIRCLEKEEPER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/ck.db",
        "CIRCLEKEEPER_CONFIG": str(HERE / "spanish.toml"),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "console",
            "--script",
            str(HERE / "spanish.txt"),
            "--now",
            "2026-03-02T17:00:00+00:00",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    text = LIBRARY_PROMPT.sub(r"\1N minutos): <una propuesta de la biblioteca>", result.stdout)
    text = text.replace(str(tmp_path), "<tmp>")
    return SEAL.sub("seal:<random>", text)


def _strip_commands(text: str) -> str:
    """Drop ``/circle`` and the command words after it: they are what people type."""
    out: list[str] = []
    tokens = text.split(" ")
    i = 0
    while i < len(tokens):
        if tokens[i].strip("([") == "/circle":
            i += 1
            while i < len(tokens) and tokens[i].strip(".,;:)?!") in COMMAND_WORDS:
                i += 1
            continue
        out.append(tokens[i])
        i += 1
    return " ".join(out)


def said(transcript: str, typed_names: list[str]) -> list[str]:
    """The bot's own words, line by line, without syntax, console notes and service names."""
    lines: list[str] = []
    for raw in transcript.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ":")) or re.match(r"^\w+: /circle ", raw):
            continue
        if stripped.startswith("/circle ") and not raw.startswith(" "):
            continue  # a line the person typed (after :as)
        if CONSOLE_NOTE.match(raw):
            continue
        line = SPEAKER.sub("", raw)
        line = BUTTON.sub(lambda m: m.group(1), line)
        for name in typed_names:
            line = line.replace(name, " ")
        line = URL.sub(" ", line)
        line = _strip_commands(line)
        line = OPTION.sub(" ", line)
        line = ZONE.sub(" ", MENTION.sub(" ", line))
        if line.strip():
            lines.append(line)
    return lines


def english_words(line: str) -> list[str]:
    return [w for w in WORD.findall(line) if w.lower() in ENGLISH and not w.isupper()]


def untranslated(lines: list[str]) -> list[tuple[str, str]]:
    """Pieces of English msgids (three words or more between placeholders) found in lines."""
    with (ROOT / "bot" / "locale" / "circlekeeper.pot").open("rb") as fh:
        template = read_po(fh)
    pieces = set()
    for m in template:
        for msgid in m.id if isinstance(m.id, tuple | list) else (m.id,):
            for literal, *_ in string.Formatter().parse(str(msgid or "")):
                piece = " ".join(literal.split()).strip(" .,;:()")
                if len(piece.split()) >= 3:
                    pieces.add(piece)
    return [(p, line) for line in lines for p in pieces if p in line]


def _service_names() -> list[str]:
    config = tomllib.loads((HERE / "spanish.toml").read_text(encoding="utf-8"))
    names = [r["name"] for r in config.get("resources", [])] or [r.name for r in DEFAULT_RESOURCES]
    return sorted(names, key=len, reverse=True)


def test_a_spanish_circle_says_everything_in_spanish(tmp_path: Path) -> None:
    got = run_spanish(tmp_path)
    expected_path = HERE / "spanish.transcript"
    if os.environ.get("CIRCLEKEEPER_REGENERATE"):
        expected_path.write_text(got, encoding="utf-8")
    lines = said(got, ["Círculo de los martes", *_service_names()])
    assert len(lines) > 250  # the whole session was checked, not an early error
    missed = untranslated(lines)
    assert not missed, "English catalog text in the Spanish transcript:\n" + "\n".join(
        f"  {piece!r} in {line.strip()!r}" for piece, line in missed[:20]
    )
    english = [(line.strip(), english_words(line)) for line in lines if english_words(line)]
    assert not english, "English words in the Spanish transcript:\n" + "\n".join(
        f"  {words} in {line!r}" for line, words in english[:20]
    )
    assert got == expected_path.read_text(encoding="utf-8")


def test_the_check_finds_english_in_an_english_transcript() -> None:
    english = (HERE / "meetings.transcript").read_text(encoding="utf-8")
    lines = said(english, ["Tuesday circle"])
    assert untranslated(lines), "the catalog check must notice English sentences"
    flagged = [line for line in lines if english_words(line)]
    assert len(flagged) > len(lines) * 0.8, "the word check must notice English sentences"


def test_the_script_runs_every_command() -> None:
    script = (HERE / "spanish.txt").read_text(encoding="utf-8")
    ran = {
        " ".join(m.group(1).split()[:3])
        for m in re.finditer(r"^(?:\w+: )?/circle (.+)$", script, re.M)
    }
    missing = [
        spec.name
        for spec in build_registry()
        if not any(r == spec.name or r.startswith(spec.name + " ") for r in ran)
    ]
    assert not missing, f"tests/scripts/spanish.txt never runs: {missing}"
