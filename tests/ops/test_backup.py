"""``circlekeeper backup`` / ``restore``: a console session is backed up, changed, restored, and
continues from the backup."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.test_console_script import run_console


def cli(tmp_path: Path, *args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CIRCLEKEEPER_DATABASE_URL": url or f"sqlite+aiosqlite:///{tmp_path}/ck.db",
    }
    env.pop("CIRCLEKEEPER_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )


def script(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_text(":people lee ana ben\n" + text, encoding="utf-8")
    return path


def test_backup_then_restore_continues_the_session(tmp_path: Path) -> None:
    first = run_console(
        tmp_path,
        script(
            tmp_path,
            "one",
            '/circle create "Tuesday circle" leader:@lee timezone:UTC\nlee: /circle add @ana\n',
        ),
    )
    assert first.returncode == 0, first.stderr

    backup = tmp_path / "saved" / "ck-backup.db"
    backup.parent.mkdir()
    made = cli(tmp_path, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"backed up {tmp_path}/ck.db to {backup} (")
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT name FROM circles").fetchall() == [("Tuesday circle",)]
    again = cli(tmp_path, "backup", str(backup))
    assert again.returncode == 1 and "exists already" in again.stderr  # never overwrites

    later = run_console(
        tmp_path,
        script(
            tmp_path,
            "two",
            'lee: /circle add @ben\norganizer: /circle create "Other" timezone:UTC\n',
        ),
    )
    assert later.returncode == 0, later.stderr

    refused = cli(tmp_path, "restore", str(backup))
    assert (
        refused.returncode == 1
        and "holds 2 circle(s)" in refused.stderr
        and "--yes" in refused.stderr
    )
    restored = cli(tmp_path, "restore", str(backup), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "now migrated" in restored.stdout

    after = run_console(
        tmp_path,
        script(
            tmp_path,
            "three",
            "organizer: /circle list\nlee: /circle add @ben\norganizer: /circle list\n",
        ),
    )
    assert after.returncode == 0 and after.stderr == ""
    out = after.stdout
    first_list, second_list = out.split("organizer: /circle list")[1:3]
    assert "- Tuesday circle: 2/7 members" in first_list and "Other" not in first_list
    assert "- Tuesday circle: 3/7 members" in second_list


def test_restore_refuses_what_is_not_a_circlekeeper_backup(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    result = cli(tmp_path, "restore", str(other), "--yes")
    assert result.returncode == 1 and "is not a circlekeeper backup" in result.stderr
    assert not (tmp_path / "ck.db").exists()
    missing = cli(tmp_path, "backup", str(tmp_path / "b.db"))
    assert missing.returncode == 1 and "there is no database at" in missing.stderr


def test_postgresql_prints_the_pg_dump_and_pg_restore_lines(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://bot:secret@db.internal:5433/circles"
    dump = cli(tmp_path, "backup", "/backups/ck.dump", url=url)
    assert dump.returncode == 0, dump.stderr
    assert dump.stdout.strip() == (
        "pg_dump --format=custom --file=/backups/ck.dump postgresql://bot@db.internal:5433/circles"
    )
    back = cli(tmp_path, "restore", "/backups/ck.dump", url=url)
    assert back.stdout.strip() == (
        "pg_restore --clean --if-exists --no-owner "
        "--dbname=postgresql://bot@db.internal:5433/circles /backups/ck.dump"
    )
    assert "secret" not in dump.stdout + back.stdout
