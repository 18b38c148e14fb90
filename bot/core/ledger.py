"""The delivery ledger: every future send is a row; a dispatcher claims due rows with a lease.

A row's key ``(circle_id, occurrence, kind)`` is unique, so materialising twice adds nothing.
``kind`` is ``"<prefix>:<detail>"`` (``reminder:60``, ``prompt:art``, ``mentor-access:expire``);
the prefixes are listed in ``bot.core.kinds`` and ``bot.wiring.LEDGER_HANDLERS`` maps each to its
handler (``Core.handlers``).

Exactly once: a claim sets ``lease_owner``/``lease_until`` in its own transaction (and reads the
claimed rows' receipts in the same one); each recipient a handler reaches is recorded as a
``DeliveryReceipt`` once the platform accepted it (so a retry skips them), written in batches with
the finished rows, and every send carries the idempotency key ``ck:<delivery id>:<recipient>`` (so
the platform can drop a repeat sent before a crash could record it). While a row is worked on,
a heartbeat renews its lease; a process that lost the lease sends nothing more of that row. A
crashed owner's lease expires and another dispatcher takes the row over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Table, bindparam, delete, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import kinds
from bot.core.runtime import Core
from bot.ops import metrics
from bot.port import PlatformError
from storage.models import Circle, Delivery, DeliveryReceipt, DeliveryStatus

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 32
MIN_CONCURRENCY = 4
MAX_CONCURRENCY = 256


class LeaseLost(Exception):
    """This process no longer holds the delivery's lease: it must not send any more of it."""

    code = "lease-lost"


@dataclass
class Job:
    """A claimed delivery handed to its handler.

    ``done`` holds the recipients that already had a receipt when the row was claimed (read in
    one query per claim, not one per recipient); ``lease_until`` is how long this process may
    still send, renewed by the dispatcher's heartbeat.
    """

    core: Core
    delivery: Delivery
    now: datetime
    owner: str
    done: set[str] = field(default_factory=set)
    lease_until: datetime | None = None
    lost: bool = False
    receipts: ReceiptSink | None = None
    prepared: object = None
    """What the kind's preparer (``Core.preparers``) read for this row with its claim; a
    handler reads for itself when ``ready`` is False (a Job made by hand)."""
    ready: bool = False

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

    def check_lease(self) -> None:
        """Refuse to start a send unless a good part of the lease is left.

        The heartbeat renews every quarter of the lease, so a live owner normally has three
        quarters left, and a heartbeat may run more than half a lease late (a busy machine)
        before this refuses. Less than a fifth left means renewals failed: another dispatcher
        may take the row over soon, and a send started now could race that dispatcher's."""
        if self.lost:
            raise LeaseLost(str(self.delivery.id))
        if self.lease_until is None:
            return
        lease = self.core.settings.file.scheduler.lease_seconds
        if self.lease_until - self.core.clock.now() < timedelta(seconds=lease / 5):
            self.lost = True
            raise LeaseLost(str(self.delivery.id))

    async def once(self, recipient: str, send: Callable[[str], Awaitable[str | None]]) -> bool:
        """Run ``send(key)`` unless this recipient already has a receipt; record one after.

        Returns True when it sent now. Raises ``LeaseLost`` instead of sending when this process
        no longer holds the row (the dispatcher then leaves the row to its new owner).
        """
        if recipient in self.done:
            return False
        if self.receipts is None:  # a Job made by hand: look the receipt up
            async with self.core.sessions() as s:
                stmt = select(DeliveryReceipt.id).where(
                    DeliveryReceipt.delivery_id == self.delivery.id,
                    DeliveryReceipt.recipient == recipient,
                )
                if (await s.execute(stmt)).first() is not None:
                    return False
        wait = (self.delivery.due_at - self.core.clock.now()).total_seconds()
        if wait > 0:  # claimed ahead of time: not a moment early
            await asyncio.sleep(wait)
        self.check_lease()
        message_id = await send(self.key(recipient))
        self.done.add(recipient)
        receipt = {
            "delivery_id": self.delivery.id,
            "recipient": recipient,
            "message_id": message_id,
            "sent_at": self.core.clock.now(),
        }
        if self.receipts is not None:
            self.receipts.add(receipt)
        else:
            async with self.core.sessions() as s, s.begin():
                s.add(DeliveryReceipt(**receipt))
        return True


class ReceiptSink(Protocol):
    def add(self, receipt: dict[str, Any]) -> None: ...


Handler = Callable[[Job], Awaitable[DeliveryStatus]]
"""Does the work of one delivery; returns SENT or SKIPPED (e.g. too late to be useful)."""

Preparer = Callable[[Core, Sequence[Job]], Awaitable[None]]
"""Reads what a claim's jobs of one kind need in a few queries for all of them, setting each
job's ``prepared`` and ``ready``: at a burst's rate, reads per delivery are the limit."""


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
    circle = await s.get(Circle, circle_id)
    if circle is None:
        raise LookupError(f"no circle {circle_id}")
    try:
        async with s.begin_nested():
            s.add(
                Delivery(
                    circle_id=circle_id,
                    platform=circle.platform,
                    workspace_id=circle.workspace_id,
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


FLUSH_DELAY = 0.05
"""Seconds receipts and finished rows wait to be written together in one transaction."""
FLUSH_TRIES = 3


class _Writer:
    """Receipts and finished rows, written in batches: one transaction per flush (every
    ``FLUSH_DELAY`` seconds while there is work) instead of two per recipient on the loop.

    A receipt is queued as soon as the platform accepted the send; a finish waits until its
    flush has committed, and goes in the same transaction after the delivery's receipts. A
    crash between a send and the flush loses at most ``FLUSH_DELAY`` seconds of receipts; the
    retry then sends those again with the same idempotency key, which the platform drops.
    """

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.d = dispatcher
        self._receipts: list[dict[str, Any]] = []
        self._finishes: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None
        self.flushes = 0
        """Transactions written (for benchmarks)."""

    def add(self, receipt: dict[str, Any]) -> None:
        self._receipts.append(receipt)
        self._kick()

    async def finish(self, row_id: int, status: str, code: str | None) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        values = {"rid": row_id, "owner": self.d.owner, "st": status, "code": code}
        self._finishes.append((values, future))
        self._kick()
        await future

    def _kick(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())

    async def drain(self) -> None:
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while self._receipts or self._finishes:
            await asyncio.sleep(FLUSH_DELAY)
            receipts, self._receipts = self._receipts, []
            finishes, self._finishes = self._finishes, []
            error: BaseException | None = None
            for attempt in range(FLUSH_TRIES):
                try:
                    await self._write(receipts, [v for v, _ in finishes])
                    error = None
                    break
                except Exception as exc:  # a locked or unreachable database: try again
                    error = exc
                    log.warning(
                        "ledger flush failed attempt=%d error=%s", attempt + 1, type(exc).__name__
                    )
                    await asyncio.sleep(0.2 * (attempt + 1))
            self.flushes += 1
            for _, future in finishes:
                if future.done():
                    continue
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)

    async def _write(self, receipts: list[dict[str, Any]], finishes: list[dict[str, Any]]) -> None:
        core = self.d.core
        async with core.sessions() as s, s.begin():
            if receipts:
                await s.execute(_insert_receipts(core.engine.dialect.name), receipts)
            if finishes:
                now = core.clock.now()
                table = cast(Table, Delivery.__table__)
                await s.execute(
                    update(table)
                    .where(
                        table.c.id == bindparam("rid"), table.c.lease_owner == bindparam("owner")
                    )
                    .values(
                        status=bindparam("st"),
                        error_code=bindparam("code"),
                        finished_at=now,
                        lease_until=None,
                    ),
                    finishes,
                )


def _insert_receipts(dialect: str) -> Any:
    """A receipt another owner already wrote for the same recipient is kept as it is."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(DeliveryReceipt).on_conflict_do_nothing(
            index_elements=["delivery_id", "recipient"]
        )
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(DeliveryReceipt).on_conflict_do_nothing(
        index_elements=["delivery_id", "recipient"]
    )


class Dispatcher:
    """Claims due rows, runs their handlers, marks them finished. Safe to run in many processes.

    While rows are claimed a heartbeat renews their lease every quarter of it, so a delivery that
    takes longer than the lease (many recipients, a slow platform) is not taken over; a row
    whose renewal finds another owner is marked lost and its handler sends nothing more.

    Concurrency follows the platforms' budgets: enough deliveries at once to keep every
    connected port's pacer busy (a second's worth of its rate plus what is in flight,
    ``Pacer.demand``), and no more, so claimed rows do not queue behind a rate limit.
    """

    def __init__(self, core: Core, *, batch: int = 100, concurrency: int | None = None) -> None:
        self.core = core
        self.owner = f"{uuid.uuid4().hex[:12]}"
        self.batch = batch
        self.fixed_concurrency = concurrency
        self.lease = timedelta(seconds=core.settings.file.scheduler.lease_seconds)
        self._lock = asyncio.Lock()
        self._stopping = False
        self._active: set[int] = set()  # rows being sent right now
        self._working: dict[int, Job] = {}  # rows claimed and not finished: the heartbeat's
        self.writer = _Writer(self)
        self.renewals = 0
        """Heartbeats written (for benchmarks and tests)."""

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

    @property
    def concurrency(self) -> int:
        """Deliveries worked on at once: fixed when given, else from the ports' budgets."""
        if self.fixed_concurrency is not None:
            return self.fixed_concurrency
        wanted = 0.0
        for port in self.core.ports.values():
            demand = getattr(getattr(port, "pacer", None), "demand", None)
            wanted += demand() if callable(demand) else DEFAULT_CONCURRENCY
        return max(MIN_CONCURRENCY, min(MAX_CONCURRENCY, math.ceil(wanted)))

    def _mine(self) -> list[Any]:
        """Rows of circles this process can reach (none before any platform is connected).

        A port that knows its workspaces (``workspaces()``: a Discord token's guilds, i.e. its
        shards) narrows it to those, so processes with separate tokens or shards sharing one
        database each take only their own rows."""
        if not self.core.ports:
            return [false()]
        reach = []
        for platform, port in sorted(self.core.ports.items()):
            known = getattr(port, "workspaces", None)
            spaces = known() if callable(known) else None
            if spaces is None:
                reach.append(Delivery.platform == platform)
            elif spaces:
                reach.append(
                    (Delivery.platform == platform) & Delivery.workspace_id.in_(sorted(spaces))
                )
        if not reach:
            return [false()]
        return [or_(*reach)]

    async def claim(self) -> Sequence[Delivery]:
        return [job.delivery for job in await self._claim()]

    async def _claim(self, ahead: timedelta = timedelta(0)) -> list[Job]:
        now = self.core.clock.now()
        free = or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)
        until = now + self.lease
        async with self.core.sessions() as s, s.begin():
            stmt = (
                select(Delivery.id)
                .where(
                    Delivery.status == DeliveryStatus.PENDING,
                    Delivery.due_at <= now + ahead,
                    free,
                )
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
                    lease_until=until,
                    attempts=Delivery.attempts + 1,
                )
                .returning(Delivery)
                .execution_options(synchronize_session=False)
            )
            claimed = list(result.scalars().all())
            done: dict[int, set[str]] = {d.id: set() for d in claimed}
            if claimed:
                got = await s.execute(
                    select(DeliveryReceipt.delivery_id, DeliveryReceipt.recipient).where(
                        DeliveryReceipt.delivery_id.in_(list(done))
                    )
                )
                for delivery_id, recipient in got.all():
                    done[delivery_id].add(recipient)
        claimed.sort(key=lambda d: (d.due_at, d.id))
        return [
            Job(self.core, d, now, self.owner, done[d.id], until, receipts=self.writer)
            for d in claimed
        ]

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

    async def run_due(self, ahead: timedelta = timedelta(0)) -> int:
        """Process everything due now; returns how many rows were finished.

        Claims overlap: as soon as fewer than ``concurrency`` claimed rows are unfinished, the
        next claim is made and prepared while the earlier rows are still being sent, so the
        platform's budget never idles through a round of reads between batches.

        With ``ahead``, rows falling due that soon are claimed and prepared now (their handlers
        read what they need), and each send waits for its row's due instant: a burst starts on
        the second, not after a round of database reads."""
        async with self._lock:
            finished = 0
            cap = self.concurrency
            limit = asyncio.Semaphore(cap)
            running: set[asyncio.Task[bool]] = set()
            drained = False  # the last claim found nothing more
            beat = asyncio.create_task(self._heartbeat())
            try:
                while not self._stopping:
                    if not drained and len(running) < cap:
                        jobs = await self._claim(ahead)
                        if jobs:
                            await self._prepare(jobs)
                            running |= {asyncio.create_task(self._one(j, limit)) for j in jobs}
                            continue
                        drained = True
                    if not running:
                        return finished
                    done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    finished += sum(t.result() for t in done)
                    if not running:
                        drained = False  # rows may have fallen due while these ran: look again
                finished += sum(await asyncio.gather(*running))
                running = set()
                return finished
            finally:
                for task in running:
                    task.cancel()
                await asyncio.gather(*running, return_exceptions=True)
                beat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beat
                await self.writer.drain()

    async def _prepare(self, jobs: list[Job]) -> None:
        """Run each kind's preparer once for the claim's rows of that kind."""
        for job in jobs:
            self._working[job.delivery.id] = job
        by_kind: dict[str, list[Job]] = {}
        for job in jobs:
            by_kind.setdefault(kinds.prefix_of(job.delivery.kind), []).append(job)
        for prefix, group in by_kind.items():
            prepare = self.core.preparers.get(prefix)
            if prepare is None:
                continue
            try:
                await prepare(self.core, group)
            except Exception as exc:  # each handler then reads for itself, and may fail alone
                log.warning("ledger prepare failed kind=%s error=%s", prefix, type(exc).__name__)

    async def _one(self, job: Job, limit: asyncio.Semaphore) -> bool:
        try:
            async with limit:
                if self._stopping:
                    return False
                self._active.add(job.delivery.id)
                try:
                    return await self.process(job)
                finally:
                    self._active.discard(job.delivery.id)
        finally:
            self._working.pop(job.delivery.id, None)

    async def _heartbeat(self) -> None:
        """Renew the lease of every claimed row every quarter of the lease."""
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 4)
            try:
                await self.renew()
            except Exception as exc:  # the next beat tries again; sends stop if none succeeds
                log.warning("lease renewal failed error=%s", type(exc).__name__)

    async def renew(self) -> None:
        """One heartbeat: extend the leases still ours; mark the others lost."""
        jobs = dict(self._working)
        if not jobs:
            return
        until = self.core.clock.now() + self.lease
        async with self.core.sessions() as s, s.begin():
            result = await s.execute(
                update(Delivery)
                .where(
                    Delivery.id.in_(list(jobs)),
                    Delivery.lease_owner == self.owner,
                    Delivery.status == DeliveryStatus.PENDING,
                )
                .values(lease_until=until)
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            )
            kept = set(result.scalars().all())
        self.renewals += 1
        for row_id, job in jobs.items():
            if row_id in kept:
                job.lease_until = until
            elif row_id in self._working and not job.lost:
                job.lost = True
                log.warning("lease lost delivery=%s", row_id)

    async def process(self, row: Delivery | Job) -> bool:
        job = (
            row if isinstance(row, Job) else Job(self.core, row, self.core.clock.now(), self.owner)
        )
        row = job.delivery
        handler = self.core.handlers.get(kinds.prefix_of(row.kind))
        if handler is None:
            log.error("no handler for delivery kind=%s id=%s", row.kind, row.id)
            await self._finish(row, DeliveryStatus.FAILED, "no-handler")
            return True
        job.now = self.core.clock.now()
        try:
            status = await handler(job)
        except LeaseLost:  # another dispatcher owns the row now; it finishes it
            log.warning("delivery left to its new owner id=%s kind=%s", row.id, row.kind)
            return False
        except Exception as exc:  # the lease expires and another attempt follows
            code = exc.code if isinstance(exc, PlatformError) else type(exc).__name__
            log.warning("delivery failed id=%s kind=%s code=%s", row.id, row.kind, code)
            await self._release(row, str(code)[:32])
            return False
        await self._finish(row, status, None)
        return True

    async def _finish(self, row: Delivery, status: DeliveryStatus, code: str | None) -> None:
        metrics.delivery(row.kind, status, (self.core.clock.now() - row.due_at).total_seconds())
        await self.writer.finish(row.id, str(status), code)

    async def _release(self, row: Delivery, code: str) -> None:
        """Let the row be retried after a short back-off (by shortening the lease)."""
        backoff = min(timedelta(seconds=30 * row.attempts), self.lease)
        metrics.delivery(row.kind, "retry")
        await self.writer.drain()  # the receipts of what did go out first
        async with self.core.sessions() as s, s.begin():
            await s.execute(
                update(Delivery)
                .where(Delivery.id == row.id, Delivery.lease_owner == self.owner)
                .values(lease_until=self.core.clock.now() + backoff, error_code=code)
                .execution_options(synchronize_session=False)
            )
