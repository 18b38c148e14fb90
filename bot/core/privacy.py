"""A person's data: export everything that names them, or delete it (forget-me).

Both walk ``storage.models.PERSON_COLUMNS``, so a new column that names a person is covered by
adding it there. Rows that only this person needs are deleted; rows that others need (a meeting's
head-count, an audit line, a prompt a leader wrote) stay with the name removed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from bot.core import circles
from bot.core.scope import Scope
from storage.models import (
    PERSON_COLUMNS,
    Attendance,
    Base,
    Circle,
    CircleSession,
    Delivery,
    DeliveryReceipt,
    Meeting,
    Membership,
    Rsvp,
    RuleAgreement,
    SessionSeat,
    Status,
)

DELETE = (Membership, RuleAgreement, Rsvp, Attendance, DeliveryReceipt, Delivery, SessionSeat)
"""Tables whose rows about a person exist only for that person."""


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


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


async def export(s: AsyncSession, platform: str, workspace: str, user: str) -> dict[str, Any]:
    """Every row in this workspace that names the person, table by table."""
    out: dict[str, list[dict[str, object]]] = {}
    for model, column in PERSON_COLUMNS:
        col = getattr(model, column)
        stmt = select(model).where(col == user, _in_workspace(model, platform, workspace))
        for row in (await s.execute(stmt)).scalars():
            table = model.__tablename__
            record = {c.key: _plain(getattr(row, c.key)) for c in model.__table__.columns}
            if record not in out.setdefault(table, []):
                out[table].append(record)
    return {"person": user, "platform": platform, "workspace": workspace, "tables": out}


async def forget(sc: Scope, user: str) -> int:
    """Leave every circle (seats pass to the waitlist), then delete or anonymise every row."""
    s = sc.session
    stmt = (
        select(Membership, Circle)
        .join(Circle, Circle.id == Membership.circle_id)
        .where(Membership.user_id == user, _in_workspace(Membership, sc.platform, sc.workspace))
    )
    for m, circle in (await s.execute(stmt)).all():
        if m.status != Status.LEFT:
            await circles.remove(sc, circle, user, action="member.forget")
    touched = 0
    for model, column in PERSON_COLUMNS:
        col = getattr(model, column)
        where = (col == user, _in_workspace(model, sc.platform, sc.workspace))
        if model in DELETE:
            result = await s.execute(
                delete(model).where(*where).execution_options(synchronize_session=False)
            )
        else:
            result = await s.execute(
                update(model)
                .where(*where)
                .values({column: None})
                .execution_options(synchronize_session=False)
            )
        touched += int(getattr(result, "rowcount", 0) or 0)
    return touched
