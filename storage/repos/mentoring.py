"""The mentor's phase-out: stage history from the audit trail, invitations back, nudge keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent, Delivery, DeliveryStatus


async def history(s: AsyncSession, circle_id: int, actions: Iterable[str]) -> Sequence[AuditEvent]:
    """The circle's audit events of these actions, oldest first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.circle_id == circle_id, AuditEvent.action.in_(list(actions)))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return (await s.execute(stmt)).scalars().all()


async def key_status(
    s: AsyncSession, circle_id: int, kind: str, occurrence: datetime
) -> str | None:
    """The status of the ledger row with this key (None when there is none)."""
    stmt = select(Delivery.status).where(
        Delivery.circle_id == circle_id, Delivery.occurrence == occurrence, Delivery.kind == kind
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def pending_ends(
    s: AsyncSession, circle_id: int, kind: str, target: str, after: datetime
) -> Sequence[datetime]:
    """Due times after ``after`` of the pending rows of ``kind`` for ``target``."""
    stmt = select(Delivery.due_at).where(
        Delivery.circle_id == circle_id,
        Delivery.kind == kind,
        Delivery.target_id == target,
        Delivery.status == DeliveryStatus.PENDING,
        Delivery.due_at > after,
    )
    return (await s.execute(stmt)).scalars().all()
