"""Storage: migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from storage.db import alembic_config, include_name, make_engine, migrate
from storage.models import Base


async def test_migrations_match_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await migrate(engine)
        await migrate(engine)  # idempotent at every start-up

        def diff(conn: object) -> list[object]:
            opts = {"include_name": include_name}  # slack_sdk's tables are not our models
            ctx = MigrationContext.configure(conn, opts=opts)  # type: ignore[arg-type]
            return list(compare_metadata(ctx, Base.metadata))

        async with engine.connect() as conn:
            assert await conn.run_sync(diff) == []
            version = (await conn.execute(text("select version_num from alembic_version"))).scalar()
        heads = ScriptDirectory.from_config(alembic_config()).get_heads()
        assert heads == [version]  # one linear history
    finally:
        await engine.dispose()


def test_migrate_command_creates_a_fresh_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    env = {**os.environ, "CIRCLEKEEPER_DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "database is at the newest schema" in result.stdout
    assert db.stat().st_size > 0


async def test_ledger_rows_written_before_0011_get_their_circles_workspace(db_url: str) -> None:
    """Upgrading a database with pending reminders: each row gets its circle's platform and
    workspace, which is what a dispatcher picks its own rows by."""
    engine = make_engine(db_url)
    try:

        def upgrade_to(revision: str) -> Callable[[Connection], None]:
            def run(conn: Connection) -> None:
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)

            return run

        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to("0010"))
            await conn.execute(
                text(
                    "INSERT INTO circles (id, platform, workspace_id, name, name_key, min_size,"
                    " max_size, timezone, language, reminder_offsets, created_at) VALUES"
                    " (7, 'discord', 'guild-1', 'Grief', 'grief', 5, 7, 'UTC', 'en', '1h',"
                    " '2026-12-01 10:00:00+00:00')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO deliveries (circle_id, occurrence, kind, due_at, status,"
                    " attempts) VALUES (7, '2026-12-09 19:00:00+00:00', 'reminder:60',"
                    " '2026-12-09 18:00:00+00:00', 'pending', 0)"
                )
            )
        await migrate(engine)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT platform, workspace_id FROM deliveries"))).all()
        assert [tuple(r) for r in rows] == [("discord", "guild-1")]
    finally:
        await engine.dispose()
