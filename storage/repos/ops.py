"""Queries for operating the bot: health probes, counts for metrics, the schema's revision."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import Consult


async def ping(s: AsyncSession | AsyncConnection) -> None:
    """One round trip; raises when the database cannot answer."""
    await s.execute(text("SELECT 1"))


async def open_consults(s: AsyncSession) -> int:
    """Consults no mentor has acknowledged yet (a count only: nothing about who or what)."""
    stmt = select(func.count()).select_from(Consult).where(Consult.acknowledged_at.is_(None))
    return int((await s.execute(stmt)).scalar_one())


async def revision(conn: AsyncConnection) -> str | None:
    """The Alembic revision the database is at (None: never migrated)."""
    has = await conn.run_sync(lambda c: c.dialect.has_table(c, "alembic_version"))
    if not has:
        return None
    found = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
    return str(found[0]) if found is not None else None


async def probe_write(conn: AsyncConnection) -> None:
    """Write to the database without changing anything (the caller rolls back); raises when
    the database refuses writes (a read-only file or role)."""
    await conn.execute(text("UPDATE alembic_version SET version_num = version_num"))


async def database_now(conn: AsyncConnection) -> str | None:
    """The database server's clock (PostgreSQL), as ISO text; None where it has none apart
    from this machine's (SQLite)."""
    if conn.dialect.name != "postgresql":
        return None
    value = (await conn.execute(text("SELECT now()"))).scalar_one()
    return str(value.isoformat())
