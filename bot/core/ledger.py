"""The delivery ledger: every future send is a row; a dispatcher claims due rows with a lease.

A row's key ``(circle_id, occurrence, kind)`` is unique, so materialising twice adds nothing.
``kind`` is ``"<prefix>:<detail>"`` (``reminder:60``, ``prompt:art``, ``mentor-access:expire``);
the prefixes are listed in ``bot.core.kinds`` and ``bot.wiring.LEDGER_HANDLERS`` maps each to its
handler (``Core.handlers``).

Exactly once: a claim sets ``lease_owner``/``lease_until`` in its own transaction; each recipient a
handler reaches is recorded as a ``DeliveryReceipt`` right after the platform accepts it (so a
retry skips them) and every send carries the idempotency key ``ck:<delivery id>:<recipient>`` (so
the platform can drop a repeat sent before a crash could record it). A crashed owner's lease
expires and another dispatcher takes the row over.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import kinds
from bot.core.runtime import Core
from bot.ops import metrics
from bot.port import PlatformError
from storage.models import Circle, Delivery, DeliveryReceipt, DeliveryStatus

log = logging.getLogger(__name__)


@dataclass
class Job:
    """A claimed delivery handed to its handler."""

    core: Core
    delivery: Delivery
    now: datetime
    owner: str

    @property
    def kind_detail(self) -> str:
        return self.delivery.kind.partition(":")[2]

    def key(self, recipient: str) -> str:
        return f"ck:{self.delivery.id}:{recipient}"

    @property
    def retry(self) -> bool:
        """This row was claimed before (a lost lease, a failed try): a send may already have
        reached the platform, so a port that can look for its key should (``ChatPort.dm``)."""
        return self.delivery.attempts > 1

    async def once(self, recipient: str, send: Callable[[str], Awaitable[str | None]]) -> bool:
        """Run ``send(key)`` unless this recipient already has a receipt; record one after.

        Returns True when it sent now.
        """
        async with self.core.sessions() as s:
            stmt = select(DeliveryReceipt.id).where(
                DeliveryReceipt.delivery_id == self.delivery.id,
                DeliveryReceipt.recipient == recipient,
            )
            if (await s.execute(stmt)).first() is not None:
                return False
        message_id = await send(self.key(recipient))
        async with self.core.sessions() as s, s.begin():
            s.add(
                DeliveryReceipt(
                    delivery_id=self.delivery.id,
                    recipient=recipient,
                    message_id=message_id,
                    sent_at=self.core.clock.now(),
                )
            )
        return True


Handler = Callable[[Job], Awaitable[DeliveryStatus]]
"""Does the work of one delivery; returns SENT or SKIPPED (e.g. too late to be useful)."""


async def enqueue(
    s: AsyncSession,
    circle_id: int,
    occurrence: datetime,
    kind: str,
    due_at: datetime,
    target_id: str | None = None,
) -> bool:
    """Add a pending delivery unless its key exists; move a still-pending one to ``due_at``.

    A cancelled row with the same key comes back as pending (it was never sent: ``cancel`` only
    touches pending rows), so cancelling and re-adding, e.g. skipping and then moving a meeting,
    works. Sent and skipped rows are never revived. Returns True when a row was added or revived.
    """
    if kinds.prefix_of(kind) not in kinds.PREFIXES:
        raise ValueError(f"unknown delivery kind {kind!r}: add it to bot.core.kinds")
    stmt = select(Delivery).where(
        Delivery.circle_id == circle_id, Delivery.occurrence == occurrence, Delivery.kind == kind
    )
    found = (await s.execute(stmt)).scalar_one_or_none()
    if found is not None:
        if found.status == DeliveryStatus.CANCELLED:
            found.status, found.due_at, found.target_id = DeliveryStatus.PENDING, due_at, target_id
            found.lease_owner = found.lease_until = found.finished_at = found.error_code = None
            return True
        if found.status == DeliveryStatus.PENDING and found.lease_owner is None:
            found.due_at, found.target_id = due_at, target_id
        return False
    try:
        async with s.begin_nested():
            s.add(
                Delivery(
                    circle_id=circle_id,
                    occurrence=occurrence,
                    kind=kind,
                    due_at=due_at,
                    target_id=target_id,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                )
            )
    except IntegrityError:
        return False  # another process materialised the same key first
    return True


async def cancel(
    s: AsyncSession,
    circle_id: int,
    *,
    kind_prefix: str | None = None,
    occurrence: datetime | None = None,
    after: datetime | None = None,
) -> int:
    """Cancel a circle's pending deliveries (optionally one kind, one occurrence, later ones)."""
    conds = [Delivery.circle_id == circle_id, Delivery.status == DeliveryStatus.PENDING]
    if kind_prefix is not None:
        conds.append(or_(Delivery.kind == kind_prefix, Delivery.kind.startswith(kind_prefix + ":")))
    if occurrence is not None:
        conds.append(Delivery.occurrence == occurrence)
    if after is not None:
        conds.append(Delivery.occurrence > after)
    result = await s.execute(
        update(Delivery)
        .where(*conds)
        .values(status=DeliveryStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_finished(s: AsyncSession, before: datetime) -> int:
    """Clean-up: drop finished rows (and their receipts) older than ``before``."""
    done = (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.CANCELLED)
    result = await s.execute(
        delete(Delivery).where(Delivery.status.in_(done), Delivery.occurrence < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _aware(value: datetime) -> datetime:
    """Aggregates skip the column type on some drivers: SQLite hands back naive UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Dispatcher:
    """Claims due rows, runs their handlers, marks them finished. Safe to run in many processes."""

    def __init__(self, core: Core, *, batch: int = 100, concurrency: int = 32) -> None:
        self.core = core
        self.owner = f"{uuid.uuid4().hex[:12]}"
        self.batch = batch
        self.concurrency = concurrency
        self.lease = timedelta(seconds=core.settings.file.scheduler.lease_seconds)
        self._lock = asyncio.Lock()
        self._stopping = False
        self._active: set[int] = set()  # rows being sent right now

    async def stop(self, grace: float) -> bool:
        """Shutting down: claim nothing more, let started rows finish for up to ``grace``
        seconds; rows claimed but not started keep their lease for ``release`` to hand back.
        Returns True when no pass is still running."""
        self._stopping = True
        try:
            async with asyncio.timeout(grace), self._lock:
                return True
        except TimeoutError:
            return False

    async def hand_back(self) -> int:
        """Shutting down: release this process's unfinished claims at once (receipts stay, so
        whoever takes a row next skips the recipients already reached). A row still being sent
        keeps its lease, so that nobody sends it alongside. Returns rows released."""
        mine = [Delivery.lease_owner == self.owner, Delivery.status == DeliveryStatus.PENDING]
        if self._active:
            mine.append(Delivery.id.not_in(sorted(self._active)))
        async with self.core.sessions() as s, s.begin():
            result = await s.execute(
                update(Delivery)
                .where(*mine)
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    def _mine(self) -> list[Any]:
        """Rows of circles on platforms this process is connected to (none before any is)."""
        if not self.core.ports:
            return [false()]
        on = select(Circle.id).where(Circle.platform.in_(sorted(self.core.ports)))
        return [Delivery.circle_id.in_(on)]

    async def claim(self) -> Sequence[Delivery]:
        now = self.core.clock.now()
        free = or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)
        async with self.core.sessions() as s, s.begin():
            stmt = (
                select(Delivery.id)
                .where(Delivery.status == DeliveryStatus.PENDING, Delivery.due_at <= now, free)
                .where(*self._mine())
                .order_by(Delivery.due_at, Delivery.id)
                .limit(self.batch)
            )
            if self.core.engine.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True, of=Delivery)
            ids = list((await s.execute(stmt)).scalars().all())
            if not ids:
                return []
            # Compare-and-set in one statement, so that two SQLite processes cannot both take a
            # row (on PostgreSQL the rows are locked already; SKIP LOCKED lets others pass).
            result = await s.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.status == DeliveryStatus.PENDING, free)
                .values(
                    lease_owner=self.owner,
                    lease_until=now + self.lease,
                    attempts=Delivery.attempts + 1,
                )
                .returning(Delivery)
                .execution_options(synchronize_session=False)
            )
            claimed = list(result.scalars().all())
        claimed.sort(key=lambda d: (d.due_at, d.id))
        return claimed

    async def next_due(self) -> datetime | None:
        """When the earliest pending row falls due (or its lease runs out), if any."""
        pending = Delivery.status == DeliveryStatus.PENDING
        async with self.core.sessions() as s:
            due = select(func.min(Delivery.due_at)).where(
                pending, Delivery.lease_until.is_(None), *self._mine()
            )
            leased = select(func.min(Delivery.lease_until)).where(
                pending, Delivery.lease_until.is_not(None), *self._mine()
            )
            found = [(await s.execute(q)).scalar_one_or_none() for q in (due, leased)]
        times = [_aware(x) for x in found if x is not None]
        return max(min(times), self.core.clock.now()) if times else None

    async def run_due(self) -> int:
        """Process everything due now; returns how many rows were finished."""
        async with self._lock:
            finished = 0
            limit = asyncio.Semaphore(self.concurrency)

            async def one(row: Delivery) -> bool:
                async with limit:
                    if self._stopping:
                        return False
                    self._active.add(row.id)
                    try:
                        return await self.process(row)
                    finally:
                        self._active.discard(row.id)

            while not self._stopping:
                claimed = await self.claim()
                if not claimed:
                    return finished
                results = await asyncio.gather(*(one(r) for r in claimed))
                finished += sum(results)
            return finished

    async def process(self, row: Delivery) -> bool:
        handler = self.core.handlers.get(kinds.prefix_of(row.kind))
        if handler is None:
            log.error("no handler for delivery kind=%s id=%s", row.kind, row.id)
            await self._finish(row, DeliveryStatus.FAILED, "no-handler")
            return True
        try:
            status = await handler(Job(self.core, row, self.core.clock.now(), self.owner))
        except Exception as exc:  # the lease expires and another attempt follows
            code = exc.code if isinstance(exc, PlatformError) else type(exc).__name__
            log.warning("delivery failed id=%s kind=%s code=%s", row.id, row.kind, code)
            await self._release(row, str(code)[:32])
            return False
        await self._finish(row, status, None)
        return True

    async def _finish(self, row: Delivery, status: DeliveryStatus, code: str | None) -> None:
        metrics.delivery(row.kind, status, (self.core.clock.now() - row.due_at).total_seconds())
        async with self.core.sessions() as s, s.begin():
            await s.execute(
                update(Delivery)
                .where(Delivery.id == row.id, Delivery.lease_owner == self.owner)
                .values(
                    status=status,
                    finished_at=self.core.clock.now(),
                    error_code=code,
                    lease_until=None,
                )
                .execution_options(synchronize_session=False)
            )

    async def _release(self, row: Delivery, code: str) -> None:
        """Let the row be retried after a short back-off (by shortening the lease)."""
        backoff = min(timedelta(seconds=30 * row.attempts), self.lease)
        metrics.delivery(row.kind, "retry")
        async with self.core.sessions() as s, s.begin():
            await s.execute(
                update(Delivery)
                .where(Delivery.id == row.id, Delivery.lease_owner == self.owner)
                .values(lease_until=self.core.clock.now() + backoff, error_code=code)
                .execution_options(synchronize_session=False)
            )
