"""Prompts (the shipped library and each circle's own), their uses and their schedules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Prompt, PromptSchedule, PromptUse


async def library(s: AsyncSession) -> dict[str, Prompt]:
    """The shipped prompts, by key."""
    stmt = select(Prompt).where(Prompt.key.is_not(None))
    return {p.key: p for p in (await s.execute(stmt)).scalars() if p.key is not None}


async def available(s: AsyncSession, circle_id: int, kind: str | None) -> Sequence[Prompt]:
    stmt = select(Prompt).where(or_(Prompt.circle_id.is_(None), Prompt.circle_id == circle_id))
    if kind:
        stmt = stmt.where(Prompt.kind == kind)
    return (await s.execute(stmt.order_by(Prompt.id))).scalars().all()


async def use_counts(s: AsyncSession, circle_id: int) -> Counter[int]:
    stmt = (
        select(PromptUse.prompt_id, func.count())
        .where(PromptUse.circle_id == circle_id)
        .group_by(PromptUse.prompt_id)
    )
    return Counter({pid: int(n) for pid, n in (await s.execute(stmt)).all()})


async def prompt_schedule(s: AsyncSession, circle_id: int, kind: str) -> PromptSchedule | None:
    stmt = select(PromptSchedule).where(
        PromptSchedule.circle_id == circle_id, PromptSchedule.kind == kind
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def prompt_schedules(s: AsyncSession, circle_id: int) -> Sequence[PromptSchedule]:
    stmt = (
        select(PromptSchedule)
        .where(PromptSchedule.circle_id == circle_id)
        .order_by(PromptSchedule.kind)
    )
    return (await s.execute(stmt)).scalars().all()


async def prompt_schedules_of(
    s: AsyncSession, circle_ids: Iterable[int] | None
) -> dict[int, list[PromptSchedule]]:
    """Circle → its prompt schedules (every circle's, or those of ``circle_ids``)."""
    stmt = select(PromptSchedule)
    if circle_ids is not None:
        stmt = stmt.where(PromptSchedule.circle_id.in_(list(circle_ids)))
    out: dict[int, list[PromptSchedule]] = {}
    for p in (await s.execute(stmt)).scalars():
        out.setdefault(p.circle_id, []).append(p)
    return out
