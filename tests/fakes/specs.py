"""Where the OpenAPI descriptions of Discord and Slack are: reference data kept outside the
repository, in ``../shared/specs`` beside the repository root (or ``CIRCLEKEEPER_SPECS_DIR``).

A git worktree's root has no ``../shared`` of its own, so the main checkout's is tried too.
Lookups that find nothing are remembered, so the test run can say in one line that the spec
checks were skipped (tests/conftest.py) instead of skipping them silently.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DISCORD = "discord-openapi.json"
SLACK = "slack-web-openapi-v2.json"
FILES = (DISCORD, SLACK)
missing: set[str] = set()  # spec files looked for and not found during this run


def _main_checkout(root: Path) -> Path | None:
    """The main working tree when ``root`` is a linked git worktree (``.git`` is a file)."""
    dot_git = root / ".git"
    if not dot_git.is_file():
        return None
    text = dot_git.read_text(encoding="utf-8").strip()
    if not text.startswith("gitdir:"):
        return None
    gitdir = Path(text.removeprefix("gitdir:").strip())
    if not gitdir.is_absolute():
        gitdir = (root / gitdir).resolve()
    # <main>/.git/worktrees/<name>
    if gitdir.parent.name == "worktrees" and gitdir.parent.parent.name == ".git":
        return gitdir.parent.parent.parent
    return None


def candidates() -> list[Path]:
    """The folders searched, in order."""
    found: list[Path] = []
    env = os.environ.get("CIRCLEKEEPER_SPECS_DIR")
    if env:
        found.append(Path(env))
    found.append(REPO_ROOT.parent / "shared" / "specs")
    main = _main_checkout(REPO_ROOT)
    if main is not None:
        found.append(main.parent / "shared" / "specs")
    return found


def spec_file(name: str) -> Path | None:
    """The first ``name`` found in the spec folders, or None (and remembered as missing)."""
    for folder in candidates():
        if (folder / name).is_file():
            return folder / name
    missing.add(name)
    return None
