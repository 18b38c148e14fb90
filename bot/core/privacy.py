"""A person's data: export everything that names them, or delete it (forget-me).

Both walk ``storage.models.PERSON_COLUMNS``, so a new column that names a person is covered by
adding it there. Rows that only this person needs are deleted; rows that others need (a meeting's
head-count, an audit line, a prompt a leader wrote) stay with the name removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import circles
from bot.core.scope import Scope
from storage import repos
from storage.models import (
    PERSON_COLUMNS,
    Attendance,
    Delivery,
    DeliveryReceipt,
    Membership,
    Rsvp,
    RuleAgreement,
    SessionSeat,
    Status,
)

DELETE = (Membership, RuleAgreement, Rsvp, Attendance, DeliveryReceipt, Delivery, SessionSeat)
"""Tables whose rows about a person exist only for that person."""


@dataclass(frozen=True)
class Export:
    data: dict[str, Any]
    records: int


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


async def export(s: AsyncSession, platform: str, workspace: str, user: str) -> dict[str, Any]:
    """Every row in this workspace that names the person, table by table."""
    out: dict[str, list[dict[str, object]]] = {}
    for model, column in PERSON_COLUMNS:
        for row in await repos.privacy.rows_naming(s, model, column, user, platform, workspace):
            table = model.__tablename__
            record = {c.key: _plain(getattr(row, c.key)) for c in model.__table__.columns}
            if record not in out.setdefault(table, []):
                out[table].append(record)
    return {"person": user, "platform": platform, "workspace": workspace, "tables": out}


async def export_mine(sc: Scope) -> Export:
    """The actor's own export, with how many records it holds."""
    data = await export(sc.session, sc.platform, sc.workspace, sc.actor)
    return Export(data, sum(len(v) for v in data["tables"].values()))


async def forget(sc: Scope, user: str) -> int:
    """Leave every circle (seats pass to the waitlist), then delete or anonymise every row."""
    s = sc.session
    for m, circle in await repos.privacy.memberships_of(s, user, sc.platform, sc.workspace):
        if m.status != Status.LEFT:
            await circles.remove(sc, circle, user, action="member.forget")
    touched = 0
    for model, column in PERSON_COLUMNS:
        wipe = repos.privacy.delete_naming if model in DELETE else repos.privacy.unname
        touched += await wipe(s, model, column, user, sc.platform, sc.workspace)
    return touched
