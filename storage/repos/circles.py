"""Circles of a workspace: by name, id or channel, and the ones a person is part of."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Circle, Membership, Role, Status


def name_key(name: str) -> str:
    return " ".join(name.lower().split())


async def circle_by_name(
    s: AsyncSession, platform: str, workspace: str, name: str
) -> Circle | None:
    stmt = select(Circle).where(
        Circle.platform == platform,
        Circle.workspace_id == workspace,
        Circle.name_key == name_key(name),
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def circle_by_id(s: AsyncSession, platform: str, workspace: str, cid: int) -> Circle | None:
    circle = await s.get(Circle, cid)
    if circle is None or circle.platform != platform or circle.workspace_id != workspace:
        return None  # another workspace's circle is invisible here
    return circle


async def circles_by_ids(s: AsyncSession, ids: Iterable[int]) -> Sequence[Circle]:
    """Circles by id, of any workspace: for the dispatcher, which works for the circles."""
    stmt = select(Circle).where(Circle.id.in_(sorted(set(ids))))
    return (await s.execute(stmt)).scalars().all()


async def circle_by_channel(
    s: AsyncSession, platform: str, workspace: str, channel: str
) -> Circle | None:
    stmt = select(Circle).where(
        Circle.platform == platform,
        Circle.workspace_id == workspace,
        Circle.channel_id == channel,
    )
    return (await s.execute(stmt)).scalars().first()


async def circles_in(s: AsyncSession, platform: str, workspace: str) -> Sequence[Circle]:
    stmt = (
        select(Circle)
        .where(Circle.platform == platform, Circle.workspace_id == workspace)
        .order_by(Circle.name_key)
    )
    return (await s.execute(stmt)).scalars().all()


async def circles_of(
    s: AsyncSession,
    platform: str,
    workspace: str,
    user: str,
    roles: Sequence[str] = (Role.MEMBER, Role.LEADER, Role.MENTOR),
) -> Sequence[Circle]:
    """Circles where the person is active in one of ``roles``."""
    stmt = (
        select(Circle)
        .join(Membership, Membership.circle_id == Circle.id)
        .where(
            Circle.platform == platform,
            Circle.workspace_id == workspace,
            Membership.user_id == user,
            Membership.status == Status.ACTIVE,
            Membership.role.in_(list(roles)),
        )
        .order_by(Circle.name_key)
    )
    return (await s.execute(stmt)).scalars().all()


async def waiting_memberships(
    s: AsyncSession, platform: str, workspace: str, user: str
) -> Sequence[tuple[Circle, Membership]]:
    """The person's waitlisted or pending memberships here, oldest first."""
    stmt = (
        select(Circle, Membership)
        .join(Membership, Membership.circle_id == Circle.id)
        .where(
            Circle.platform == platform,
            Circle.workspace_id == workspace,
            Membership.user_id == user,
            Membership.status.in_([Status.WAITLISTED, Status.PENDING]),
        )
        .order_by(Membership.since, Membership.id)
    )
    return [(c, m) for c, m in (await s.execute(stmt)).all()]
