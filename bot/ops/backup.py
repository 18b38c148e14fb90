"""``circlekeeper backup PATH`` and ``circlekeeper restore PATH``.

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
page by page while the bot keeps running, WAL included, unlike copying the file. Restore writes a
backup back the same way (stop the bot first), after checking that the file is a circlekeeper
database, then migrates it to this version's schema. PostgreSQL: the bot prints the
``pg_dump`` / ``pg_restore`` line to run, since those tools do it best (password not shown; put
it in ``PGPASSWORD`` or ``~/.pgpass``).
"""

from __future__ import annotations

import asyncio
import shlex
import sqlite3
import sys
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from bot.config import Settings
from storage.db import make_engine, migrate

PAGES_PER_STEP = 1024


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases); ``:memory:`` cannot be backed up."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise ValueError("only a SQLite file database can be backed up")
    return Path(database)


def libpq_url(url: str) -> str:
    """``postgresql+asyncpg://…`` as pg_dump reads it (no driver, no password)."""
    parsed = make_url(url)
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False)


def _fail(message: str) -> int:
    print(f"circlekeeper: {message}", file=sys.stderr)
    return 1


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> int:
    pages = 0

    def progress(_status: int, remaining: int, total: int) -> None:
        nonlocal pages
        pages = total

    source.backup(target, pages=PAGES_PER_STEP, progress=progress)
    return pages


def _is_circlekeeper(path: Path) -> str | None:
    """The backup's schema revision, or None when the file is not a circlekeeper database."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        if conn.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.execute("SELECT 1 FROM circles LIMIT 1")
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return str(row[0]) if row else None


def backup(settings: Settings, dest: Path) -> int:
    url = settings.database.url
    try:
        source_path = sqlite_file(url)
    except ValueError as exc:
        return _fail(str(exc))
    if source_path is None:
        command = ["pg_dump", "--format=custom", f"--file={dest}", libpq_url(url)]
        print(shlex.join(command))
        return 0
    if not source_path.is_file():
        return _fail(f"there is no database at {source_path} (check [database] url)")
    if dest.exists():
        return _fail(f"{dest} exists already; choose a new path (a backup never overwrites)")
    if not dest.parent.is_dir():
        return _fail(f"the directory {dest.parent} does not exist")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(dest)
    try:
        pages = _copy(source, target)
    except sqlite3.Error as exc:
        target.close()
        dest.unlink(missing_ok=True)
        return _fail(f"backup failed ({type(exc).__name__}); nothing was written")
    finally:
        source.close()
    target.close()
    revision = _is_circlekeeper(dest)
    if revision is None:
        dest.unlink(missing_ok=True)
        return _fail("the copy did not verify; nothing was kept")
    print(f"backed up {source_path} to {dest} ({pages} pages, schema {revision})")
    return 0


def restore(settings: Settings, src: Path, *, replace: bool = False) -> int:
    url = settings.database.url
    try:
        target_path = sqlite_file(url)
    except ValueError as exc:
        return _fail(str(exc))
    if target_path is None:
        command = [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            f"--dbname={libpq_url(url)}",
            str(src),
        ]
        print(shlex.join(command))
        return 0
    if not src.is_file():
        return _fail(f"there is no backup at {src}")
    revision = _is_circlekeeper(src)
    if revision is None:
        return _fail(f"{src} is not a circlekeeper backup (no circlekeeper tables, or damaged)")
    if target_path.is_file() and not replace:
        with sqlite3.connect(f"file:{target_path}?mode=ro", uri=True) as probe:
            try:
                held = probe.execute("SELECT count(*) FROM circles").fetchone()[0]
            except sqlite3.Error:
                held = 0
        if held:
            return _fail(
                f"{target_path} holds {held} circle(s); restoring replaces all of it. "
                "Stop the bot, then run restore again with --yes"
            )
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        pages = _copy(source, target)
    except sqlite3.Error as exc:
        return _fail(f"restore failed ({type(exc).__name__}); is the bot still running?")
    finally:
        source.close()
        target.close()
    asyncio.run(_migrate(url))
    print(f"restored {src} into {target_path} ({pages} pages, schema {revision}, now migrated)")
    return 0


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()
