"""slack_sdk's OAuth tables come from our migration 0005, exactly as slack_sdk defines them,
and slack_sdk's stores work on them without creating anything."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
    SQLAlchemyInstallationStore,
)
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from storage.db import LIBRARY_TABLES, make_engine, migrate


def expected() -> dict[str, sa.Table]:
    meta = sa.MetaData()
    tables = [
        SQLAlchemyInstallationStore.build_installations_table(meta, "slack_installations"),
        SQLAlchemyInstallationStore.build_bots_table(meta, "slack_bots"),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(meta, "slack_oauth_states"),
    ]
    return {t.name: t for t in tables}


def shape(columns: list[dict[str, object]]) -> dict[str, tuple[str, object, bool]]:
    out = {}
    for c in columns:
        kind = c["type"]
        assert isinstance(kind, sa.types.TypeEngine)
        family = kind._type_affinity.__name__ if kind._type_affinity else type(kind).__name__
        out[str(c["name"])] = (family, getattr(kind, "length", None), bool(c["nullable"]))
    return out


async def test_migration_builds_slack_sdk_tables_and_the_store_uses_them(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await migrate(engine)
        want = expected()
        assert set(want) == LIBRARY_TABLES

        def inspect(conn: sa.Connection) -> dict[str, object]:
            insp = sa.inspect(conn)
            return {
                name: (
                    shape(insp.get_columns(name)),
                    sorted(tuple(i["column_names"]) for i in insp.get_indexes(name)),
                )
                for name in want
            }

        async with engine.connect() as conn:
            got = await conn.run_sync(inspect)
        for name, table in want.items():
            columns = [
                {"name": c.name, "type": c.type, "nullable": c.nullable and not c.primary_key}
                for c in table.columns
            ]
            indexes = sorted(tuple(c.name for c in i.columns) for i in table.indexes)
            assert got[name] == (shape(columns), indexes), name

        store = AsyncSQLAlchemyInstallationStore(client_id="111.222", engine=engine)
        await store.async_save(
            Installation(
                app_id="A1",
                team_id="T1",
                bot_token="xoxb-1",
                bot_id="B1",
                bot_user_id="U1",
                bot_scopes="commands,chat:write",
                user_id="U2",
                installed_at=datetime.now(UTC).timestamp(),
            )
        )
        bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
        assert bot is not None and bot.bot_token == "xoxb-1"
    finally:
        await engine.dispose()
