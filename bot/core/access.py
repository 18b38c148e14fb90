"""Which access each person gets to a circle channel, from role, rules agreement and stage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import kinds
from bot.port import Access
from storage import repos
from storage.models import Membership, Role, Stage, Status

INVITE_KIND = kinds.of(kinds.MENTOR_ACCESS, "expire")
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
    ends = await repos.mentoring.pending_ends(s, circle_id, INVITE_KIND, mentor, now)
    return max(ends) if ends else None
