"""Real ``circlekeeper run`` processes on Slack (the fake, over loopback) for ops tests."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import func, select, update

from bot.config import Environment, FileSettings, Settings
from bot.wiring import start_core
from storage.models import Circle, Delivery, DeliveryStatus, Notify
from tests.fakes.seed import seed_circles
from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunProcess:
    proc: asyncio.subprocess.Process
    ops_port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.ops_port}"

    async def healthy(self, within: float = 40.0) -> None:
        """Until ``/healthz`` says ok (bounded); fails early if the process died."""
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.returncode is not None:
                    raise AssertionError(f"run exited {self.proc.returncode}: {self.text()}")
                try:
                    async with http.get(self.base + "/healthz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError("run never became healthy: " + self.text())

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    async def terminate(self, within: float = 10.0) -> tuple[int, float]:
        """SIGTERM; returns the exit status and how long the process took to exit."""
        began = time.monotonic()
        self.proc.terminate()
        try:
            code = await asyncio.wait_for(self.proc.wait(), within + 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError("run did not exit after SIGTERM: " + self.text()) from None
        return code, time.monotonic() - began


async def start_run(
    tmp_path: Path, name: str, db_url: str, fake: FakeSlack, *, lease: int = 60
) -> RunProcess:
    ops_port = free_port()
    config = tmp_path / f"{name}.toml"
    config.write_text(
        f"[scheduler]\ntick_seconds = 1\nlease_seconds = {lease}\n\n"
        f'[ops]\nlisten = "127.0.0.1:{ops_port}"\n'
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_", "CIRCLEKEEPER_"))
    }
    env.update(
        CIRCLEKEEPER_DATABASE_URL=db_url,
        SLACK_BOT_TOKEN=fake.bot_token,
        SLACK_SIGNING_SECRET="ops-test-secret",
        SLACK_API_BASE_URL=fake.base_url,
        SLACK_HTTP_HOST="127.0.0.1",
        SLACK_HTTP_PORT=str(free_port()),
        PYTHONPATH=str(ROOT),
    )
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=out,
        )
    return RunProcess(proc, ops_port, log)


async def seed_slack_circles(db_url: str, fake: FakeSlack, n: int) -> dict[int, str]:
    """``n`` circles on Slack, each in its own private channel with a channel reminder due now.
    Returns circle id -> channel id."""
    settings = Settings(file=FileSettings(), env=Environment(CIRCLEKEEPER_DATABASE_URL=db_url))
    core = await start_core(settings)
    try:
        now = core.clock.now()
        await seed_circles(
            core,
            n,
            now + timedelta(hours=1, seconds=-1),
            platform="slack",
            offsets="1h",
            notify=Notify.CHANNEL,
            materialise=False,
        )
        async with core.sessions() as s, s.begin():
            fresh = select(Circle.id).where(Circle.workspace_id == "w").order_by(Circle.id)
            ids = list((await s.execute(fresh)).scalars())
            channels = {
                cid: fake.add_channel(f"circle-{i}", is_private=True, bot_is_member=True)
                for i, cid in enumerate(ids)
            }
            await s.execute(
                update(Circle),
                [
                    {
                        "id": cid,
                        "workspace_id": fake.team.id,
                        "channel_id": ch,
                        "name": f"circle #{cid}",
                        "name_key": f"circle #{cid}",
                    }
                    for cid, ch in channels.items()
                ],
            )
        from bot.core import reminders

        async with core.sessions() as s, s.begin():
            await reminders.sync(s, now, timedelta(hours=2))
        return channels
    finally:
        await core.engine.dispose()


def posts_per_channel(fake: FakeSlack, channels: dict[int, str]) -> Counter[str]:
    wanted = set(channels.values())
    return Counter(m.channel for m in fake.messages if m.channel in wanted and not m.deleted)


async def ledger_state(db_url: str) -> dict[str, int]:
    """Counts of reminder rows: by status, and pending rows still leased by someone."""
    settings = Settings(file=FileSettings(), env=Environment(CIRCLEKEEPER_DATABASE_URL=db_url))
    from storage.db import make_engine, make_sessions

    engine = make_engine(settings.database.url)
    try:
        async with make_sessions(engine)() as s:
            rows = (
                await s.execute(
                    select(Delivery.status, func.count())
                    .where(Delivery.kind.startswith("reminder"))
                    .group_by(Delivery.status)
                )
            ).all()
            leased = (
                await s.execute(
                    select(func.count()).where(
                        Delivery.status == DeliveryStatus.PENDING, Delivery.lease_owner.is_not(None)
                    )
                )
            ).scalar_one()
            owners = (
                await s.execute(
                    select(func.count(func.distinct(Delivery.lease_owner))).where(
                        Delivery.status == DeliveryStatus.SENT
                    )
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    out = {str(status): int(count) for status, count in rows}
    out["leased"] = int(leased)
    out["owners"] = int(owners)
    return out
