"""Queries that several features share: circles, memberships, rules, audit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEvent,
    Circle,
    Membership,
    Role,
    RuleAgreement,
    RuleVersion,
    Status,
)

SEAT_ROLES = (Role.MEMBER, Role.LEADER)


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


async def current_rules(s: AsyncSession, circle_id: int) -> RuleVersion | None:
    stmt = (
        select(RuleVersion)
        .where(RuleVersion.circle_id == circle_id)
        .order_by(RuleVersion.version.desc())
        .limit(1)
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def has_agreed(s: AsyncSession, circle_id: int, user: str, version: int) -> bool:
    stmt = select(RuleAgreement.id).where(
        RuleAgreement.circle_id == circle_id,
        RuleAgreement.user_id == user,
        RuleAgreement.version == version,
    )
    return (await s.execute(stmt)).first() is not None


async def agreed_users(s: AsyncSession, circle_id: int, version: int) -> set[str]:
    stmt = select(RuleAgreement.user_id).where(
        RuleAgreement.circle_id == circle_id, RuleAgreement.version == version
    )
    return set((await s.execute(stmt)).scalars().all())


def audit(
    s: AsyncSession,
    at: datetime,
    circle_id: int | None,
    actor: str | None,
    action: str,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    """Record who changed what (IDs and enum words only)."""
    s.add(
        AuditEvent(
            at=at,
            circle_id=circle_id,
            actor_id=actor,
            action=action,
            target_id=target,
            detail=detail,
        )
    )
