"""Rows that name a person, within one workspace: to export, delete or anonymise them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from storage.models import (
    Attendance,
    Base,
    Circle,
    CircleSession,
    Delivery,
    DeliveryReceipt,
    Meeting,
    Membership,
    SessionSeat,
)


def _circle_ids(platform: str, workspace: str) -> Select[int]:
    return select(Circle.id).where(Circle.platform == platform, Circle.workspace_id == workspace)


def _in_workspace(model: type[Base], platform: str, workspace: str) -> Any:
    ids = _circle_ids(platform, workspace)
    if model is Circle:
        return Circle.id.in_(ids)
    if model is Attendance:
        return Attendance.meeting_id.in_(select(Meeting.id).where(Meeting.circle_id.in_(ids)))
    if model is SessionSeat:
        return SessionSeat.session_id.in_(
            select(CircleSession.id).where(CircleSession.circle_id.in_(ids))
        )
    if model is DeliveryReceipt:
        return DeliveryReceipt.delivery_id.in_(
            select(Delivery.id).where(Delivery.circle_id.in_(ids))
        )
    return model.circle_id.in_(ids)  # type: ignore[attr-defined]


def _naming(model: type[Base], column: str, user: str, platform: str, workspace: str) -> Any:
    return (getattr(model, column) == user, _in_workspace(model, platform, workspace))


async def rows_naming(
    s: AsyncSession, model: type[Base], column: str, user: str, platform: str, workspace: str
) -> Sequence[Base]:
    """Rows of ``model`` in this workspace whose ``column`` is the person."""
    stmt = select(model).where(*_naming(model, column, user, platform, workspace))
    return (await s.execute(stmt)).scalars().all()


async def memberships_of(
    s: AsyncSession, user: str, platform: str, workspace: str
) -> Sequence[tuple[Membership, Circle]]:
    """Every membership row of the person here (any status), with its circle."""
    stmt = (
        select(Membership, Circle)
        .join(Circle, Circle.id == Membership.circle_id)
        .where(*_naming(Membership, "user_id", user, platform, workspace))
    )
    return [(m, c) for m, c in (await s.execute(stmt)).all()]


async def delete_naming(
    s: AsyncSession, model: type[Base], column: str, user: str, platform: str, workspace: str
) -> int:
    """Delete the rows of ``model`` that name the person; how many."""
    result = await s.execute(
        delete(model)
        .where(*_naming(model, column, user, platform, workspace))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def unname(
    s: AsyncSession, model: type[Base], column: str, user: str, platform: str, workspace: str
) -> int:
    """Blank the person out of ``column`` in the rows that name them; how many."""
    result = await s.execute(
        update(model)
        .where(*_naming(model, column, user, platform, workspace))
        .values({column: None})
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
