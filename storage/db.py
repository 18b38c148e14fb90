"""Engine and session set-up, and migrating the schema to the newest revision."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite, foreign keys on and WAL so that several processes can share."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            # Deleted rows are overwritten, not just unlinked: forget-me must leave the file.
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

    return engine


async def wipe_deleted(engine: AsyncEngine) -> None:
    """On SQLite, move the WAL into the file and truncate it, so deleted bytes leave both."""
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


LIBRARY_TABLES = frozenset({"slack_installations", "slack_bots", "slack_oauth_states"})
"""Tables our migrations create for slack_sdk's OAuth stores (migration 0005); slack_sdk reads
and writes them, so they are not in ``storage.models``."""


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    """For Alembic's comparisons: leave the library's tables (and their indexes) out."""
    return not (type_ == "table" and name in LIBRARY_TABLES)


if TYPE_CHECKING:
    from alembic.config import Config

_REVISION = re.compile(r'^(down_)?revision: [^=]+= "([^"]+)"', re.MULTILINE)


def head_revision() -> str | None:
    """The newest migration, read from the files (no Alembic import: it takes ~0.2 s)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, rev in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(rev)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


async def migrate(engine: AsyncEngine) -> None:
    """Bring the database to the newest schema (a fresh file gets every table). A database
    already at the newest revision is seen with one query, without loading Alembic."""
    head = head_revision()
    if head is not None:
        try:
            async with engine.connect() as conn:
                current = (
                    (await conn.execute(text("SELECT version_num FROM alembic_version")))
                    .scalars()
                    .all()
                )
        except Exception:  # no version table yet (a fresh database): Alembic creates it
            current = []
        if list(current) == [head]:
            return

    def upgrade(conn: Connection) -> None:
        from alembic import command

        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

    async with engine.begin() as conn:
        await conn.run_sync(upgrade)
