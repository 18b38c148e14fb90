"""A dispatcher in its own process, sending through ``SinkPort`` until nothing is pending.

``python -m tests.fakes.sink_worker DB_URL SINK_URL [--lease 5] [--rate 100] [--max-seconds 90]``
Exit status 0 when no pending row is due any more, 3 when the time ran out.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from sqlalchemy import func, select

from bot.config import Environment, FileSettings, Settings
from bot.core.ledger import Dispatcher
from bot.core.pacing import Pacer
from bot.wiring import start_core
from storage.models import Delivery, DeliveryStatus
from tests.fakes.sink import SinkPort


async def main(args: argparse.Namespace) -> int:
    settings = Settings(
        file=FileSettings.model_validate({"scheduler": {"lease_seconds": args.lease}}),
        env=Environment(CIRCLEKEEPER_DATABASE_URL=args.db),
    )
    core = await start_core(settings)
    pacer = Pacer(limit=args.rate, period=1.0, key_limit=None) if args.rate else None
    port = SinkPort(args.sink, pacer)
    core.ports["sink"] = port
    dispatcher = Dispatcher(core, batch=args.batch)
    deadline = time.monotonic() + args.max_seconds
    status = 3
    try:
        while time.monotonic() < deadline:
            await dispatcher.run_due()
            async with core.sessions() as s:
                pending = (
                    await s.execute(
                        select(func.count()).where(
                            Delivery.status == DeliveryStatus.PENDING,
                            Delivery.due_at <= core.clock.now(),
                        )
                    )
                ).scalar_one()
            if pending == 0:
                status = 0
                break
            await asyncio.sleep(0.2)
    finally:
        await port.close()
        await core.engine.dispose()
    return status


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("db")
    p.add_argument("sink")
    p.add_argument("--lease", type=int, default=5)
    p.add_argument("--rate", type=int, default=100)
    p.add_argument("--batch", type=int, default=50)
    p.add_argument("--max-seconds", type=float, default=90)
    sys.exit(asyncio.run(main(p.parse_args())))
