"""Which access each person gets to a circle channel, from role, rules agreement and stage."""

from __future__ import annotations

from bot.port import Access
from storage.models import Membership, Role, Stage, Status


def mentor_access(stage: Stage, invited: bool = False) -> Access:
    """Full access while facilitating and observing; none from on_call unless invited back."""
    if stage in (Stage.FACILITATING, Stage.OBSERVING) or invited:
        return Access.MANAGE
    return Access.NONE


def access_for(m: Membership, agreed: bool, stage: Stage) -> Access:
    if m.status != Status.ACTIVE:
        return Access.NONE
    if m.role == Role.MENTOR:
        return mentor_access(stage)
    if not agreed:
        return Access.VIEW
    return Access.MANAGE if m.role == Role.LEADER else Access.POST
