"""Rows that name a person, within one workspace: to export, delete or anonymise them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, inspect, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from storage.models import (
    Attendance,
    AuditEvent,
    Base,
    Circle,
    CircleSession,
    Delivery,
    DeliveryReceipt,
    DmChannel,
    Meeting,
    Membership,
    SessionSeat,
)


def _circle_ids(platform: str, workspace: str) -> Select[int]:
    return select(Circle.id).where(Circle.platform == platform, Circle.workspace_id == workspace)


def _in_workspace(model: type[Base], platform: str, workspace: str) -> Any:
    ids = _circle_ids(platform, workspace)
    if model is DmChannel:  # Discord's DM channels belong to no server ("")
        return (DmChannel.platform == platform) & DmChannel.workspace_id.in_((workspace, ""))
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


async def circle_of(s: AsyncSession, row: Base) -> int | None:
    """The circle a row belongs to (through its meeting or session where it has no circle)."""
    if isinstance(row, Circle):
        return row.id
    if isinstance(row, Attendance):
        return (
            await s.execute(select(Meeting.circle_id).where(Meeting.id == row.meeting_id))
        ).scalar_one_or_none()
    if isinstance(row, SessionSeat):
        return (
            await s.execute(
                select(CircleSession.circle_id).where(CircleSession.id == row.session_id)
            )
        ).scalar_one_or_none()
    value = getattr(row, "circle_id", None)
    return int(value) if value is not None else None


async def meeting_start(s: AsyncSession, meeting_id: int) -> Any:
    stmt = select(Meeting.occurrence).where(Meeting.id == meeting_id)
    return (await s.execute(stmt)).scalar_one_or_none()


async def blank_reasons(
    s: AsyncSession, user: str, mention: str, platform: str, workspace: str
) -> int:
    """Erase the free-text reasons the person wrote, and those that name them."""
    result = await s.execute(
        update(AuditEvent)
        .where(
            AuditEvent.reason.is_not(None),
            _in_workspace(AuditEvent, platform, workspace),
            or_(
                AuditEvent.actor_id == user,
                AuditEvent.reason.contains(user, autoescape=True),
                AuditEvent.reason.contains(mention, autoescape=True),
            ),
        )
        .values(reason=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def unname_slack_installer(s: AsyncSession, team: str, user: str) -> int:
    """slack_sdk's installation rows keep the installing user: blank them (the bot's own token
    stays, so the workspace keeps working). Only in OAuth mode do these tables exist."""

    def has_table(sync: Any) -> bool:
        return bool(inspect(sync.connection()).has_table("slack_installations"))

    if not await s.run_sync(has_table):
        return 0
    result = await s.execute(
        text(
            "UPDATE slack_installations SET user_id = '', user_token = NULL, "
            "user_refresh_token = NULL, user_scopes = NULL "
            "WHERE team_id = :team AND user_id = :user"
        ),
        {"team": team, "user": user},
    )
    return int(getattr(result, "rowcount", 0) or 0)
