"""Start-up on a database that cannot be used (issue 9, item 17): one line, not a traceback;
and a second process on one SQLite file is refused."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

WAIT = 60.0


def env_for(tmp_path: Path, db: Path) -> dict[str, str]:
    env = {**os.environ, "CIRCLEKEEPER_DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    env["CIRCLEKEEPER_SECRET_FILE"] = str(tmp_path / "secret")
    env.pop("CIRCLEKEEPER_CONFIG", None)
    env.pop("CIRCLEKEEPER_SECRET", None)
    return env


def console(tmp_path: Path, db: Path, script: str = "") -> subprocess.CompletedProcess[str]:
    lines = tmp_path / "lines.txt"
    lines.write_text(script, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--script", str(lines)],
        capture_output=True,
        text=True,
        timeout=WAIT,
        cwd=tmp_path,
        env=env_for(tmp_path, db),
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    line = one_line(console(tmp_path, tmp_path / "nowhere" / "ck.db"))
    assert "nowhere" in line and "does not exist" in line


def test_a_corrupt_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "ck.db"
    db.write_bytes(b"this is not a database at all, just some bytes" * 100)
    line = one_line(console(tmp_path, db))
    assert str(db) in line and "not a SQLite database" in line and "backup" in line


def test_a_bad_secret_is_one_line_and_never_echoed(tmp_path: Path) -> None:
    env = env_for(tmp_path, tmp_path / "ck.db")
    env["CIRCLEKEEPER_SECRET"] = "short-and-secret"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        capture_output=True,
        text=True,
        timeout=WAIT,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "CIRCLEKEEPER_SECRET" in line and "short-and-secret" not in line


@pytest.mark.skipif(sys.platform == "win32", reason="advisory locks are POSIX")
def test_a_second_process_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "ck.db"
    first = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env_for(tmp_path, db),
    )
    try:
        lock = tmp_path / "ck.db.lock"
        deadline = time.monotonic() + WAIT
        while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            time.sleep(0.1)
        line = one_line(console(tmp_path, db, "/circle help\n"))
        assert "in use by another circlekeeper process" in line and str(first.pid) in line
    finally:
        first.communicate(input="", timeout=WAIT)
    # Once the first has ended, the file can be used again.
    again = console(tmp_path, db, "/circle privacy\n")
    assert again.returncode == 0, again.stderr


def test_an_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    env = env_for(tmp_path, tmp_path / "unused.db")
    env["CIRCLEKEEPER_DATABASE_URL"] = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        capture_output=True,
        text=True,
        timeout=WAIT,
        cwd=tmp_path,
        env=env,
    )
    line = one_line(result)
    assert "cannot connect to the database at 127.0.0.1:1/nowhere" in line


def test_a_secret_file_others_can_read_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("a" * 64 + "\n", encoding="ascii")
    secret.chmod(0o644)
    line = one_line(console(tmp_path, tmp_path / "ck.db"))
    assert str(secret) in line and "0600" in line
    secret.chmod(0o600)
    assert console(tmp_path, tmp_path / "ck.db", "/circle privacy\n").returncode == 0
