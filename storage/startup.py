"""Opening the database at start-up: one line for the operator when it cannot be used.

A missing folder, a file that is not a SQLite database, a database locked by another program or
a PostgreSQL server that does not answer would otherwise end in a long traceback. Here each
becomes a ``DatabaseProblem`` whose message says what is wrong, where, and what to do.

Two bot processes on one SQLite file would each run their own scheduler and could double-send;
``hold_sqlite_lock`` refuses the second with an advisory lock on a file next to the database
(PostgreSQL is safe with several processes: the delivery ledger's leases are in the database).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows: no advisory lock; the README says so)
    fcntl = None  # type: ignore[assignment]


class DatabaseProblem(Exception):
    """One line: what, where, and what to do."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def where(url: str) -> str:
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "the database"
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def check_before_open(url: str) -> None:
    """Problems that can be seen before connecting (SQLite: the folder and the file)."""
    path = sqlite_path(url)
    if path is None:
        return
    if not path.parent.is_dir():
        raise DatabaseProblem(
            f"database {path}: the folder {path.parent} does not exist. Create it, or set "
            "CIRCLEKEEPER_DATABASE_URL (or [database] url) to a file in an existing folder."
        )
    if path.exists() and not path.is_file():
        raise DatabaseProblem(f"database {path} is not a file. Point the database URL at a file.")
    if path.exists() and path.stat().st_size >= 16:
        with path.open("rb") as f:
            if f.read(16) != b"SQLite format 3\0":
                raise DatabaseProblem(
                    f"database {path} is not a SQLite database (corrupt, or another file). "
                    "Restore a backup, or point the database URL at another file."
                )


def explain(url: str, exc: BaseException) -> DatabaseProblem:
    """The one line for an error raised while connecting or migrating."""
    at = where(url)
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "not a database" in text or "malformed" in text:
        return DatabaseProblem(
            f"database {at} is corrupt or not a SQLite database. Restore a backup, or point the "
            "database URL at another file."
        )
    if "locked" in text or "busy" in text:
        return DatabaseProblem(
            f"database {at} is locked by another program. Stop it (or wait for it), then start "
            "circlekeeper again."
        )
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return DatabaseProblem(
            f"cannot open or write database {at}. Check that the file and its folder exist and "
            "that this user may write them."
        )
    if "does not exist" in text:
        return DatabaseProblem(
            f"database {at} does not exist on the server. Create it (createdb), or correct "
            "CIRCLEKEEPER_DATABASE_URL."
        )
    if "password" in text or "authentication" in text or "permission denied" in text:
        return DatabaseProblem(
            f"the database server refused this user for {at}. Check the user and password in "
            "CIRCLEKEEPER_DATABASE_URL, and the user's rights."
        )
    if isinstance(exc, (OSError, ConnectionError)) or "connect" in text or "refused" in text:
        return DatabaseProblem(
            f"cannot connect to the database at {at}. Check that the server is running and "
            "CIRCLEKEEPER_DATABASE_URL is right."
        )
    return DatabaseProblem(
        f"database {at} could not be opened ({type(exc).__name__}). Check the database URL "
        "and that the database is not in use by an older or newer circlekeeper."
    )


class SqliteLock:
    """An advisory lock on ``<database>.lock``, held for the life of the process."""

    def __init__(self, handle: IO[str] | None) -> None:
        self.handle = handle

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def hold_sqlite_lock(url: str) -> SqliteLock:
    """Refuse to start when another circlekeeper process uses this SQLite file."""
    path = sqlite_path(url)
    if path is None or fcntl is None or not path.parent.is_dir():
        return SqliteLock(None)
    lock_path = path.with_name(path.name + ".lock")
    handle = lock_path.open("a+", encoding="ascii")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip() or "?"
        handle.close()
        raise DatabaseProblem(
            f"database {path} is in use by another circlekeeper process (pid {pid}). Stop it "
            "first: two processes on one SQLite file are not supported (use PostgreSQL for that)."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return SqliteLock(handle)
