"""Configuration is checked at start-up: one line naming the key, the value and what is allowed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "CIRCLEKEEPER_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    s = load_settings()
    assert s.database.url.startswith("sqlite+aiosqlite:///")
    assert (s.file.circles.min_size, s.file.circles.max_size) == (5, 7)
    assert not s.discord_enabled and not s.slack_enabled
    assert any("988" in r.contact for r in s.file.resources)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            "[circles]\nmax_size = 'seven'\n",
            "circles.max_size = 'seven': Input should be a valid integer",
        ),
        (
            "[circles]\ntimezone = 'Mars/Base'\n",
            "circles.timezone = 'Mars/Base': must be an IANA time zone",
        ),
        ("[circles]\nreminder_offsets = '24 hours'\n", "circles.reminder_offsets = '24 hours'"),
        ("[circles]\nmin_size = 8\nmax_size = 6\n", "min_size must not exceed max_size"),
        (
            "[database]\nurl = 'mysql://x'\n",
            "database.url = 'mysql://x': must start with sqlite+aiosqlite://",
        ),
        ("[circle]\nmax_size = 6\n", "circle: unknown key; see config.example.toml"),
        ("[circles\n", "not valid TOML"),
    ],
)
def test_invalid_values_name_key_value_and_allowed(
    tmp_path: Path, toml: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, toml))
    assert expected in str(err.value)
    assert "\n" not in str(err.value)


def test_environment_overrides_and_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIRCLEKEEPER_DATABASE_URL", "postgresql+asyncpg://u@127.0.0.1/db")
    assert load_settings(write(tmp_path, "")).database.url.startswith("postgresql+asyncpg")
    monkeypatch.setenv("SLACK_API_BASE_URL", "http://127.0.0.1:9/api")
    with pytest.raises(
        ConfigError,
        match=re.escape("SLACK_API_BASE_URL = 'http://127.0.0.1:9/api': must end with /"),
    ):
        load_settings(write(tmp_path, ""))
    monkeypatch.delenv("SLACK_API_BASE_URL")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    with pytest.raises(ConfigError, match="needs SLACK_SIGNING_SECRET"):
        load_settings(write(tmp_path, ""))


def test_start_up_stops_with_one_line(tmp_path: Path) -> None:
    cfg = write(tmp_path, "[circles]\nmax_size = 0\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"circlekeeper: configuration error: {cfg}: circles.max_size = 0: "
        "Input should be greater than or equal to 2"
    ]
