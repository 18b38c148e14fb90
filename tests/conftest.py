"""Shared fixtures: a migrated database on SQLite (always) and PostgreSQL (when configured).

Set ``CIRCLEKEEPER_TEST_DATABASE_URL`` (e.g. ``postgresql+asyncpg://postgres@127.0.0.1/test``)
to run every test that takes ``db_url`` on PostgreSQL too; each test gets a database of its own.

The fakes check requests against the OpenAPI descriptions in ``../shared/specs`` (see
tests/fakes/specs.py). When they are absent the run says so in one line of its summary; with
``CIRCLEKEEPER_REQUIRE_SPECS=1`` (CI) their absence is an error instead.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.fakes import specs

PG_URL = os.environ.get("CIRCLEKEEPER_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/circlekeeper.db"
        return
    async with fresh_pg_database() as url:
        yield url


@contextlib.asynccontextmanager
async def fresh_pg_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on ``PG_URL`` for one test, dropped afterwards."""
    assert PG_URL is not None
    name = f"ck_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CIRCLEKEEPER_REQUIRE_SPECS"):
        absent = [f for f in specs.FILES if specs.spec_file(f) is None]
        if absent:
            looked = ", ".join(str(c) for c in specs.candidates())
            raise pytest.UsageError(
                f"CIRCLEKEEPER_REQUIRE_SPECS is set but {', '.join(absent)} not found in {looked}"
            )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One visible line when a fake looked for its OpenAPI description and did not find it."""
    if specs.missing:
        looked = ", ".join(str(c) for c in specs.candidates())
        terminalreporter.write_line(
            f"spec checks skipped: ../shared/specs not found "
            f"({', '.join(sorted(specs.missing))}; looked in {looked})",
            yellow=True,
        )
