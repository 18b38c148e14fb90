"""config.example.toml is valid and says what the defaults are."""

from __future__ import annotations

from pathlib import Path

from bot.config import FileSettings, load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def test_example_is_valid_and_matches_the_defaults() -> None:
    loaded = load_settings(EXAMPLE).file
    assert loaded.model_dump() == FileSettings().model_dump()
