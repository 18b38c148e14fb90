"""The audit trail: who changed what, as IDs and enum words only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent


def audit(
    s: AsyncSession,
    at: datetime,
    circle_id: int | None,
    actor: str | None,
    action: str,
    target: str | None = None,
    detail: str | None = None,
    reason: str | None = None,
) -> None:
    """Record who changed what (IDs and enum words only; ``reason`` is the changer's own short
    why, kept for stage changes)."""
    s.add(
        AuditEvent(
            at=at,
            circle_id=circle_id,
            actor_id=actor,
            action=action,
            target_id=target,
            detail=detail,
            reason=reason,
        )
    )
