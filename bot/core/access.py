"""Which access each person gets to a circle channel, from role, rules agreement and stage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.port import Access
from storage.models import Delivery, DeliveryStatus, Membership, Role, Stage, Status

INVITE_KIND = "mentor-access:expire"
"""The ledger row that withdraws an invited mentor's access when the invitation ends."""


def mentor_access(stage: Stage, invited: bool = False) -> Access:
    """Full access while facilitating and observing; none from on_call unless invited back."""
    if stage in (Stage.FACILITATING, Stage.OBSERVING) or invited:
        return Access.MANAGE
    return Access.NONE


def access_for(m: Membership, agreed: bool, stage: Stage, *, invited: bool = False) -> Access:
    if m.status != Status.ACTIVE:
        return Access.NONE
    if m.role == Role.MENTOR:
        return mentor_access(stage, invited)
    if not agreed:
        return Access.VIEW
    return Access.MANAGE if m.role == Role.LEADER else Access.POST


async def invited_until(
    s: AsyncSession, circle_id: int, mentor: str, now: datetime
) -> datetime | None:
    """When a leader's invitation of this mentor back into the channel ends (None: not invited)."""
    stmt = select(Delivery.due_at).where(
        Delivery.circle_id == circle_id,
        Delivery.kind == INVITE_KIND,
        Delivery.target_id == mentor,
        Delivery.status == DeliveryStatus.PENDING,
        Delivery.due_at > now,
    )
    ends = (await s.execute(stmt)).scalars().all()
    return max(ends) if ends else None
