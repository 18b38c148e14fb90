"""The console as a person uses it: a scripted session whose transcript is kept as a test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "scripts"
LIBRARY_PROMPT = re.compile(r"(\([\w-]+, about )\d+ minutes\): .*")
SEAL = re.compile(r"seal:[\w-]+")


def run_console(tmp_path: Path, script: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CIRCLEKEEPER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/ck.db"}
    env.pop("CIRCLEKEEPER_CONFIG", None)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "console",
            "--script",
            str(script),
            "--now",
            "2026-03-02T17:00:00+00:00",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )


def normalise(text: str, tmp_path: Path | None = None) -> str:
    """Library prompts, anonymous seals and the database's folder vary; the rest must match."""
    text = LIBRARY_PROMPT.sub(r"\1N minutes): <a library prompt>", text)
    if tmp_path is not None:
        text = text.replace(str(tmp_path), "<tmp>")
    return SEAL.sub("seal:<random>", text)


@pytest.mark.parametrize("name", ["foundation", "meetings", "language"])
def test_transcript(tmp_path: Path, name: str) -> None:
    result = run_console(tmp_path, HERE / f"{name}.txt")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    got = normalise(result.stdout, tmp_path)
    expected_path = HERE / f"{name}.transcript"
    if os.environ.get("CIRCLEKEEPER_REGENERATE"):
        expected_path.write_text(got, encoding="utf-8")
    assert got == expected_path.read_text(encoding="utf-8")


def test_a_second_console_run_continues_the_same_circles(tmp_path: Path) -> None:
    first = tmp_path / "first.txt"
    first.write_text('/circle create "Tuesday circle" leader:@lee timezone:UTC
')
    second = tmp_path / "second.txt"
    second.write_text("lee: /circle add @ana\norganizer: /circle list\n")
    assert run_console(tmp_path, first).returncode == 0
    result = run_console(tmp_path, second)
    assert result.returncode == 0 and result.stderr == ""
    assert "  [#circle-tuesday-circle] access ana: view" in result.stdout
    assert "- Tuesday circle: 2/7 members" in result.stdout


BUTTON = re.compile(r"\[button: .+? → /circle (.+)\]$")
DISCORD_MENTION = "<@123456789012345678>"


@pytest.mark.parametrize("name", ["foundation", "meetings", "language"])
def test_every_button_fits_a_discord_custom_id(name: str) -> None:
    """Discord keeps a button's command in its 100-character custom_id (with a prefix of up
    to 25 characters naming the server), so that buttons still work after a restart."""
    transcript = (HERE / f"{name}.transcript").read_text(encoding="utf-8")
    commands = [m[1] for line in transcript.splitlines() if (m := BUTTON.search(line))]
    assert commands
    for command in commands:
        as_on_discord = re.sub(r"@[a-z]+", DISCORD_MENTION, command)
        as_on_discord = as_on_discord.replace("seal:<random>", "seal:" + "x" * 16)
        assert len(as_on_discord) <= 75, command
