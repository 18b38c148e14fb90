"""The delivery ledger rows of meeting reminders and scheduled prompts (kinds ``<prefix>:…``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Circle, Delivery, DeliveryReceipt, DeliveryStatus, Schedule


@dataclass(frozen=True)
class Row:
    """What the materialiser needs to know of an existing ledger row."""

    id: int
    circle_id: int
    occurrence: datetime
    kind: str
    status: str
    due_at: datetime
    lease_owner: str | None


def chunks(items: Sequence[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def _of_kinds(prefixes: Iterable[str]) -> ColumnElement[bool]:
    return or_(*(Delivery.kind.startswith(p + ":") for p in prefixes))


async def reminder_offsets(s: AsyncSession, circle_ids: Iterable[int] | None) -> dict[int, str]:
    """Circle → its ``reminder_offsets`` text (every circle's, or those of ``circle_ids``);
    archived circles have none (nothing is materialised for them)."""
    stmt = select(Circle.id, Circle.reminder_offsets).where(Circle.archived_at.is_(None))
    if circle_ids is not None:
        stmt = stmt.where(Circle.id.in_(list(circle_ids)))
    return {cid: text for cid, text in (await s.execute(stmt)).all()}


async def open_rows(
    s: AsyncSession, prefixes: Iterable[str], lowest: datetime, circle_ids: Iterable[int] | None
) -> list[Row]:
    """Pending and cancelled rows of these kinds, and any row of an occurrence from ``lowest``."""
    stmt = select(
        Delivery.id,
        Delivery.circle_id,
        Delivery.occurrence,
        Delivery.kind,
        Delivery.status,
        Delivery.due_at,
        Delivery.lease_owner,
    ).where(
        _of_kinds(prefixes),
        or_(
            Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.CANCELLED]),
            Delivery.occurrence >= lowest,
        ),
    )
    if circle_ids is not None:
        stmt = stmt.where(Delivery.circle_id.in_(list(circle_ids)))
    return [Row(*r) for r in (await s.execute(stmt)).all()]


async def insert_missing(s: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert new rows (each gets its circle's platform and workspace); a row another process
    added meanwhile is left as it is."""
    if not rows:
        return
    dialect = s.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    reach: dict[int, tuple[str, str]] = {}
    for ids in chunks(sorted({r["circle_id"] for r in rows}), 5000):
        found = await s.execute(
            select(Circle.id, Circle.platform, Circle.workspace_id).where(Circle.id.in_(ids))
        )
        reach.update({cid: (platform, space) for cid, platform, space in found.all()})
    rows = [
        {**r, "platform": reach[r["circle_id"]][0], "workspace_id": reach[r["circle_id"]][1]}
        for r in rows
        if r["circle_id"] in reach  # a circle deleted meanwhile gets nothing
    ]
    for chunk in chunks(rows, 2000 if dialect == "postgresql" else 100):
        stmt = (
            insert(Delivery)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["circle_id", "occurrence", "kind"])
        )
        await s.execute(stmt)


async def move_due(s: AsyncSession, moves: list[dict[str, Any]]) -> None:
    """``{"rid", "due"}``: a new due time for rows still pending and not leased."""
    if not moves:
        return
    table = cast(Table, Delivery.__table__)
    await s.execute(
        update(table)
        .where(
            table.c.id == bindparam("rid"),
            table.c.status == DeliveryStatus.PENDING,
            table.c.lease_owner.is_(None),
        )
        .values(due_at=bindparam("due")),
        moves,
    )


async def revive(s: AsyncSession, revivals: list[dict[str, Any]]) -> None:
    """``{"rid", "due"}``: cancelled rows become pending again, due then."""
    if not revivals:
        return
    table = cast(Table, Delivery.__table__)
    await s.execute(
        update(table)
        .where(table.c.id == bindparam("rid"), table.c.status == DeliveryStatus.CANCELLED)
        .values(
            due_at=bindparam("due"),
            status=DeliveryStatus.PENDING,
            lease_owner=None,
            lease_until=None,
            finished_at=None,
            error_code=None,
        )
        .execution_options(synchronize_session=False),
        revivals,
    )


async def cancel(s: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    """Cancel these rows where still pending and not leased."""
    for chunk in chunks(ids, 500):
        await s.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(chunk),
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.lease_owner.is_(None),
            )
            .values(status=DeliveryStatus.CANCELLED, finished_at=now)
            .execution_options(synchronize_session=False)
        )


async def cancel_unscheduled(s: AsyncSession, prefixes: Iterable[str], now: datetime) -> int:
    """Cancel pending rows of these kinds in circles without a schedule; how many."""
    orphans = select(Circle.id).where(Circle.id.not_in(select(Schedule.circle_id)))
    result = await s.execute(
        update(Delivery)
        .where(
            Delivery.circle_id.in_(orphans),
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.lease_owner.is_(None),
            _of_kinds(prefixes),
        )
        .values(status=DeliveryStatus.CANCELLED, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Sibling:
    """Another pending or sent row of the same occurrence (a reminder at another offset)."""

    id: int
    kind: str
    due_at: datetime


async def siblings_of(
    s: AsyncSession, rows: Iterable[Delivery], prefix: str
) -> dict[int, list[Sibling]]:
    """For each of ``rows`` (by id), the other pending or sent rows of its occurrence whose kind
    has ``prefix``; one query for all."""
    rows = list(rows)
    if not rows:
        return {}
    stmt = select(
        Delivery.id, Delivery.circle_id, Delivery.occurrence, Delivery.kind, Delivery.due_at
    ).where(
        Delivery.circle_id.in_(sorted({d.circle_id for d in rows})),
        Delivery.occurrence.in_(sorted({d.occurrence for d in rows})),
        Delivery.kind.startswith(prefix + ":"),
        Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENT]),
    )
    by_meeting: dict[tuple[int, datetime], list[Sibling]] = {}
    for rid, cid, occ, kind, due in (await s.execute(stmt)).all():
        by_meeting.setdefault((cid, occ), []).append(Sibling(rid, kind, due))
    return {
        d.id: [x for x in by_meeting.get((d.circle_id, d.occurrence), []) if x.id != d.id]
        for d in rows
    }


@dataclass(frozen=True)
class Sent:
    """One message a delivery left somewhere: a channel (``channel:<id>``) or a person."""

    recipient: str
    message_id: str
    sent_at: datetime


async def latest_sent(
    s: AsyncSession, circle_id: int, occurrence: datetime, prefix: str
) -> list[Sent]:
    """Per recipient, the newest message the ``prefix`` deliveries of one occurrence left (the
    live message to edit when its content changes)."""
    stmt = (
        select(DeliveryReceipt.recipient, DeliveryReceipt.message_id, DeliveryReceipt.sent_at)
        .join(Delivery, Delivery.id == DeliveryReceipt.delivery_id)
        .where(
            Delivery.circle_id == circle_id,
            Delivery.occurrence == occurrence,
            Delivery.kind.startswith(prefix + ":"),
            DeliveryReceipt.message_id.is_not(None),
        )
        .order_by(DeliveryReceipt.sent_at, DeliveryReceipt.id)
    )
    newest: dict[str, Sent] = {}
    for recipient, message_id, sent_at in (await s.execute(stmt)).all():
        newest[recipient] = Sent(recipient, str(message_id), sent_at)
    return list(newest.values())
