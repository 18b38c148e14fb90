"""Many circles at once (for burst tests and benchmarks): one member each, a weekly meeting."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert

from bot.core import reminders
from bot.core.runtime import Core
from bot.core.schedules import LOCAL_FORMAT
from storage.models import Circle, Membership, Notify, Schedule


async def seed_circles(
    core: Core,
    n: int,
    meeting_at: datetime,
    *,
    platform: str = "sink",
    offsets: str = "1h",
    notify: str = Notify.CHANNEL,
    materialise: bool = True,
    horizon: timedelta = timedelta(days=28),
) -> None:
    """``n`` circles meeting weekly at ``meeting_at`` (UTC wall clock); rows materialised now."""
    now = core.clock.now()
    async with core.sessions() as s, s.begin():
        base = 0
        for start in range(0, n, 1000):
            chunk = range(start, min(n, start + 1000))
            result = await s.execute(
                insert(Circle).returning(Circle.id),
                [
                    {
                        "platform": platform,
                        "workspace_id": "w",
                        "name": f"circle {i}",
                        "name_key": f"circle {i}",
                        "channel_id": f"c{i}",
                        "min_size": 5,
                        "max_size": 7,
                        "timezone": "UTC",
                        "language": "en",
                        "reminder_offsets": offsets,
                        "created_at": now,
                    }
                    for i in chunk
                ],
            )
            ids = list(result.scalars().all())
            await s.execute(
                insert(Membership),
                [
                    {
                        "circle_id": cid,
                        "user_id": f"u{base + j}",
                        "role": "member",
                        "status": "active",
                        "notify": notify,
                        "since": now,
                    }
                    for j, cid in enumerate(ids)
                ],
            )
            await s.execute(
                insert(Schedule),
                [
                    {
                        "circle_id": cid,
                        "rrule": "FREQ=WEEKLY",
                        "timezone": "UTC",
                        "first_local": meeting_at.replace(tzinfo=None).strftime(LOCAL_FORMAT),
                        "duration_minutes": 90,
                        "location": None,
                        "updated_at": now,
                    }
                    for cid in ids
                ],
            )
            base += len(ids)
        if materialise:
            await reminders.sync(s, now, horizon)
