"""Memberships: a person's roles, a circle's members and its taken seats."""

from __future__ import annotations

from collections.abc import Sequence

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
    stmt = (
        select(Membership)
        .where(Membership.circle_id == circle_id, Membership.status == status)
        .order_by(Membership.since, Membership.id)
    )
    return (await s.execute(stmt)).scalars().all()


async def seats_taken(s: AsyncSession, circle_id: int) -> int:
    stmt = select(func.count()).where(
        Membership.circle_id == circle_id,
        Membership.status == Status.ACTIVE,
        Membership.role.in_(list(SEAT_ROLES)),
    )
    return int((await s.execute(stmt)).scalar_one())
