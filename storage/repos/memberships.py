"""Memberships: a person's roles, a circle's members and its taken seats."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Circle, Membership, Role, Status

SEAT_ROLES = (Role.MEMBER, Role.LEADER)


async def active_roles(
    s: AsyncSession, platform: str, workspace: str, user: str
) -> Sequence[Membership]:
    """The person's active memberships in every circle of this workspace."""
    stmt = (
        select(Membership)
        .join(Circle, Circle.id == Membership.circle_id)
        .where(
            Circle.platform == platform,
            Circle.workspace_id == workspace,
            Membership.user_id == user,
            Membership.status == Status.ACTIVE,
        )
    )
    return (await s.execute(stmt)).scalars().all()


async def membership(s: AsyncSession, circle_id: int, user: str) -> Membership | None:
    stmt = select(Membership).where(Membership.circle_id == circle_id, Membership.user_id == user)
    return (await s.execute(stmt)).scalar_one_or_none()


async def memberships(
    s: AsyncSession, circle_id: int, status: str = Status.ACTIVE
) -> Sequence[Membership]:
    return (await memberships_of(s, [circle_id], status)).get(circle_id, [])


async def memberships_of(
    s: AsyncSession, circle_ids: Iterable[int], status: str = Status.ACTIVE
) -> dict[int, list[Membership]]:
    """Each circle's memberships (oldest first), for many circles in one query."""
    stmt = (
        select(Membership)
        .where(Membership.circle_id.in_(sorted(set(circle_ids))), Membership.status == status)
        .order_by(Membership.since, Membership.id)
    )
    found: dict[int, list[Membership]] = {}
    for m in (await s.execute(stmt)).scalars():
        found.setdefault(m.circle_id, []).append(m)
    return found


async def seats_taken(s: AsyncSession, circle_id: int) -> int:
    stmt = select(func.count()).where(
        Membership.circle_id == circle_id,
        Membership.status == Status.ACTIVE,
        Membership.role.in_(list(SEAT_ROLES)),
    )
    return int((await s.execute(stmt)).scalar_one())
