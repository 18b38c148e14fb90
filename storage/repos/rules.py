"""Ground rules: the current version and who agreed to it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import RuleAgreement, RuleVersion


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
