"""The meeting modules of ``bot.core`` import each other as modules (schedules → reminders →
prompts → schedules); each must still be importable on its own, whichever comes first."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = ["schedules", "reminders", "meetings", "prompts", "calendar", "sessions", "health"]


@pytest.mark.parametrize("name", MODULES)
def test_each_core_module_imports_first(name: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import bot.core.{name}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
