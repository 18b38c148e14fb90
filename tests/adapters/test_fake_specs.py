"""Where the fakes look for the OpenAPI descriptions, and that a miss is remembered (the run's
summary line about skipped spec checks depends on it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import specs


def test_the_folder_beside_the_repository_root_is_searched() -> None:
    assert specs.REPO_ROOT / "pyproject.toml" in list(specs.REPO_ROOT.iterdir())
    assert specs.REPO_ROOT.parent / "shared" / "specs" in specs.candidates()


def test_a_worktree_also_searches_beside_its_main_checkout(tmp_path: Path) -> None:
    main = tmp_path / "main"
    (main / ".git" / "worktrees" / "h1").mkdir(parents=True)
    worktree = tmp_path / "wt" / "h1"
    worktree.mkdir(parents=True)
    (worktree / ".git").write_text(f"gitdir: {main}/.git/worktrees/h1\n", encoding="utf-8")
    assert specs._main_checkout(worktree) == main
    assert specs._main_checkout(main) is None  # a main checkout's .git is a folder


def test_a_missing_file_is_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(specs, "missing", set())
    (tmp_path / "here.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("CIRCLEKEEPER_SPECS_DIR", str(tmp_path))
    assert specs.spec_file("here.json") == tmp_path / "here.json"
    assert specs.spec_file("no-such-openapi.json") is None
    assert specs.missing == {"no-such-openapi.json"}
