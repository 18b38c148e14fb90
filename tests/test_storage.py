"""Storage: migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

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
