"""The deployment files say what the README promises (the image itself is built by .ci/run
where a Docker daemon is reachable)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_dockerfile_is_multi_stage_non_root_and_stops_on_sigint() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM \S+", text, re.MULTILINE)
    assert len(stages) == 2 and "AS build" in text
    runtime = text.split("\nFROM ", 2)[2]
    assert re.search(r"^USER circlekeeper$", runtime, re.MULTILINE)
    assert re.search(r"^STOPSIGNAL SIGINT$", runtime, re.MULTILINE)
    for package in ("bot", "cogs", "storage"):  # what pyproject.toml installs
        assert f"COPY {package} ./{package}" in text
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "*.db", "config.toml"} <= set(ignored)


def test_compose_has_postgres_with_a_healthcheck_and_the_bot_on_healthz() -> None:
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    db, bot = text.split("\n  bot:\n")
    assert "image: postgres:" in db and "pg_isready" in db
    assert "condition: service_healthy" in bot
    assert "http://127.0.0.1:9090/healthz" in bot and "stop_signal: SIGINT" in bot
    assert "postgresql+asyncpg://" in bot
    mounted = ROOT / "deploy" / "compose.config.toml"
    assert "./deploy/compose.config.toml:/etc/circlekeeper/config.toml" in bot
    ops = load_settings(mounted).file.ops
    assert ops.address == ("0.0.0.0", 9090) and ops.log_format == "json"


def test_systemd_unit_runs_as_its_own_user_and_stops_in_time() -> None:
    unit = ROOT / "deploy" / "circlekeeper.service"
    text = unit.read_text(encoding="utf-8")
    assert (
        "User=circlekeeper" in text and "ExecStart=/opt/circlekeeper/bin/circlekeeper run" in text
    )
    assert "KillSignal=SIGTERM" in text and "NoNewPrivileges=yes" in text
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: the unit's syntax was not checked")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=30
    )
    problems = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and "is not executable" not in line  # not installed on this machine
    ]
    assert problems == []
