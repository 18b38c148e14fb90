"""The command table: declared once, helpful, and the layering rule enforced by the linter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.commands.spec import CircleUse, OptType, Who
from bot.wiring import build_registry

ROOT = Path(__file__).resolve().parents[1]
PRODUCT_COMMANDS = {
    "create",
    "add",
    "remove",
    "join",
    "leave",
    "list",
    "info",
    "rules show",
    "rules edit",
    "rules agree",
    "prompt post",
    "prompt add",
    "prompt list",
    "resources",
    "privacy",
    "export",
    "forget-me",
    "help",
}


def test_every_command_is_declared_once_with_help() -> None:
    reg = build_registry()
    names = {spec.name for spec in reg}
    assert names >= PRODUCT_COMMANDS
    for spec in reg:
        assert spec.help and spec.who and spec.handler is not None
        assert spec.usage().startswith(f"/circle {spec.name}")
        assert len({o.name for o in spec.options}) == len(spec.options)
        for opt in spec.options:
            assert opt.help
            assert (opt.type is OptType.CHOICE) == bool(opt.choices), (spec.name, opt.name)
        if spec.circle is CircleUse.NONE:
            assert Who.MEMBER not in spec.who or spec.option("circle"), spec.name


@pytest.mark.parametrize("module", ["discord", "slack_bolt", "slack_sdk.web"])
@pytest.mark.parametrize("where", ["cogs/x.py", "bot/core/x.py", "storage/x.py"])
def test_platform_imports_only_in_platforms(module: str, where: str) -> None:
    ruff = Path(sys.executable).with_name("ruff")
    src = f"import {module}\n"
    bad = subprocess.run(
        [str(ruff), "check", "--stdin-filename", where, "-"],
        input=src,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert bad.returncode == 1 and "TID251" in bad.stdout
    ok = subprocess.run(
        [
            str(ruff),
            "check",
            "--stdin-filename",
            "bot/platforms/discord/x.py",
            "--ignore",
            "F401",
            "-",
        ],
        input=src,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stdout


def _ruff(src: str, where: str) -> subprocess.CompletedProcess[str]:
    ruff = Path(sys.executable).with_name("ruff")
    return subprocess.run(
        [str(ruff), "check", "--stdin-filename", where, "--ignore", "F401", "-"],
        input=src,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.parametrize(
    "src",
    [
        "import sqlalchemy\n",
        "from sqlalchemy import select\n",
        "from storage import repos\n",
        "from storage.repos import audit\n",
        "import discord\n",
    ],
)
def test_cogs_reach_the_database_only_through_core(src: str) -> None:
    bad = _ruff(src, "cogs/x.py")
    assert bad.returncode == 1 and "TID251" in bad.stdout, bad.stdout
    # The same import is allowed in core (the use cases) and in storage.
    if "discord" not in src:
        assert _ruff(src, "bot/core/x.py").returncode == 0
