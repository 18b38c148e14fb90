"""Logs carry IDs and codes only: a whole scripted console session, scanned for every name and
every text it typed, in both log formats."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import Environment, FileSettings, Settings
from bot.core.clock import ManualClock
from bot.core.reminders import materialise_all
from bot.ops.logs import JsonFormatter, TextFormatter, formatter
from bot.platforms.console.port import ConsolePort
from bot.platforms.console.session import ConsoleSession
from bot.scheduling import attach
from bot.wiring import build_router, start_core

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
START = datetime.fromisoformat("2026-03-02T17:00:00+00:00")
_QUOTED = re.compile(r'"([^"]+)"')
_PERSON = re.compile(r"^([a-z][a-z0-9_.-]*)\s*:\s*/circle|@([a-z][a-z0-9_.-]*)")


def secrets_of(lines: list[str], organizers: list[str]) -> set[str]:
    """Every person named and every text typed in the script (quoted texts, circle names)."""
    found = set(organizers)
    for line in lines:
        line = line.strip()
        if line.startswith((":people", ":as")):
            found.update(line.split()[1:])
            continue
        for match in _PERSON.finditer(line):
            found.add(match[1] or match[2])
        for text in _QUOTED.findall(line):
            found.add(text)
            found.add(text.lower().replace(" ", "-"))  # as a console channel slug
    return {f for f in found if f}


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def run_script(tmp_path: Path, name: str) -> tuple[list[str], list[logging.LogRecord]]:
    lines = (SCRIPTS / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    settings = Settings(
        file=FileSettings(),
        env=Environment(CIRCLEKEEPER_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/ck.db"),
    )
    capture = Capture()
    root = logging.getLogger()
    ours = [logging.getLogger(n) for n in ("bot", "cogs", "storage")]
    saved = root.level, [lg.level for lg in ours]
    root.addHandler(capture)
    root.setLevel(logging.INFO)  # what `circlekeeper run` logs; our own modules at DEBUG
    for lg in ours:
        lg.setLevel(logging.DEBUG)
    out: list[str] = []
    try:
        clock = ManualClock(START)
        core = await start_core(settings, clock)
        port = ConsolePort(out.append, files_dir=tmp_path / "files")
        core.ports["console"] = port
        attach(core)
        await materialise_all(core)
        session = ConsoleSession(core, build_router(core), port, clock, out.append)
        try:
            await session.run_lines(lines)
        finally:
            await core.engine.dispose()
    finally:
        root.removeHandler(capture)
        root.setLevel(saved[0])
        for lg, level in zip(ours, saved[1], strict=True):
            lg.setLevel(level)
    assert any("Tuesday circle" in o for o in out)  # the session really ran
    return lines, capture.records


@pytest.mark.parametrize("name", ["foundation", "meetings"])
async def test_no_name_or_text_in_any_log_record(tmp_path: Path, name: str) -> None:
    lines, records = await run_script(tmp_path, name)
    assert len(records) > 20, "the session should log what it did"
    words = secrets_of(lines, FileSettings().console.organizers)
    assert {"ana", "lee", "Tuesday circle"} <= words
    patterns = {w: re.compile(rf"(?<![\w-]){re.escape(w)}(?![\w-])", re.IGNORECASE) for w in words}
    for fmt in ("text", "json"):
        f = formatter(fmt)
        for record in records:
            shown = f.format(record)
            leaked = [w for w, p in patterns.items() if p.search(shown)]
            assert not leaked, (fmt, leaked, shown)


def test_json_lines_are_objects_and_exceptions_keep_no_message() -> None:
    typed = "ana" + " typed this"  # built at run time, so the traceback's source line lacks it
    try:
        raise ValueError(typed)
    except ValueError:
        record = logging.LogRecord("bot.x", logging.ERROR, __file__, 1, "failed id=%s", (7,), None)
        record.exc_info = sys.exc_info()
    data = json.loads(JsonFormatter().format(record))
    assert data["message"] == "failed id=7" and data["level"] == "ERROR"
    assert data["time"].endswith("+00:00")
    assert "ValueError" in data["exception"] and "ana typed" not in data["exception"]
    text = TextFormatter("%(message)s").format(record)
    assert "ValueError (message withheld)" in text and "ana typed" not in text
