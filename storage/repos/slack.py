"""Slack requests already served, so that a replayed signed request is dropped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SlackRequestSeen


async def first_time(s: AsyncSession, digest: str, now: datetime, window_start: datetime) -> bool:
    """Record the request; False if it was seen within the window. Prunes older rows."""
    await s.execute(
        delete(SlackRequestSeen)
        .where(SlackRequestSeen.seen_at < window_start)
        .execution_options(synchronize_session=False)
    )
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await s.execute(
        insert(SlackRequestSeen)
        .values(digest=digest, seen_at=now)
        .on_conflict_do_nothing(index_elements=["digest"])
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1
