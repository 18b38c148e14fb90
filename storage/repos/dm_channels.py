"""Direct-message channel IDs per person, so a restart does not open each DM channel again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DmChannel


async def all_of(s: AsyncSession, platform: str) -> dict[tuple[str, str], str]:
    """Every known DM channel on a platform: ``(workspace, user)`` → channel ID."""
    stmt = select(DmChannel.workspace_id, DmChannel.user_id, DmChannel.channel_id).where(
        DmChannel.platform == platform
    )
    return {(w, u): c for w, u, c in (await s.execute(stmt)).all()}


async def keep_many(
    s: AsyncSession, platform: str, found: list[tuple[str, str, str]], now: datetime
) -> None:
    """Remember (or replace) DM channels: ``(workspace, user, channel)`` each."""
    if not found:
        return
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(DmChannel)
    await s.execute(
        stmt.on_conflict_do_update(
            index_elements=["platform", "workspace_id", "user_id"],
            set_={"channel_id": stmt.excluded.channel_id, "opened_at": stmt.excluded.opened_at},
        ),
        [
            {
                "platform": platform,
                "workspace_id": w,
                "user_id": u,
                "channel_id": c,
                "opened_at": now,
            }
            for w, u, c in found
        ],
    )


async def drop(
    s: AsyncSession, platform: str, workspace: str, user: str, channel: str | None
) -> None:
    """Forget a stale DM channel (only that one: another process may have stored a newer), or,
    with ``channel`` None, whatever DM channel the person has here."""
    conds = [
        DmChannel.platform == platform,
        DmChannel.workspace_id == workspace,
        DmChannel.user_id == user,
    ]
    if channel is not None:
        conds.append(DmChannel.channel_id == channel)
    await s.execute(delete(DmChannel).where(*conds))
