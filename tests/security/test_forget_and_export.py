"""Forget-me and export (issue 9, items 7 and 8).

After forget-me nothing may name or reach the person (a later acknowledgement, a reason written
about them, the bytes in the SQLite file); an export holds the asker's own data only.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from storage.models import AuditEvent, Base
from tests.harness import Harness
from tests.mentor_support import START, dms_to, make_circle, press

ZED = "zephyrine_q"  # an ID that occurs nowhere else, to look for its bytes in the file


def file_bytes(folder: Path) -> bytes:
    """The database file and its WAL, as someone who copies them would have them."""
    return b"".join(p.read_bytes() for p in folder.glob("circlekeeper.db*"))


async def cells_naming(h: Harness, text: str) -> list[str]:
    found = []
    async with h.core.sessions() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).all():
                for column, value in zip(table.columns, row, strict=True):
                    if isinstance(value, str) and text in value:
                        found.append(f"{table.name}.{column.name}")
    return found


async def test_a_pending_acknowledgement_no_longer_reaches_a_forgotten_asker(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("ana", '/circle consult "please call me" anonymous:yes')
        ack = dms_to(h, "maya")[-1].buttons[0].command
        await h.run("ana", "/circle forget-me confirm:yes")
        told = len(dms_to(h, "ana"))
        r = await press(h, "maya", ack)
        assert "were not told" in r.text
        assert len(dms_to(h, "ana")) == told


async def test_forget_me_erases_reasons_and_audit_lines_naming_the_person(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        h.port.meet(ZED)
        await make_circle(h, members=("ana", ZED))
        r = await h.run("maya", f'/circle mentor stage advance reason:"@{ZED} asked for more time"')
        assert "observing" in r.text, r.text
        await h.run("lee", f"/circle add @{ZED} role:leader")
        await h.run(ZED, '/circle mentor stage set facilitating reason:"I am not ready"')
        assert await cells_naming(h, ZED)
        r = await h.run(ZED, "/circle forget-me confirm:yes")
        assert "deleted" in r.text
        assert await cells_naming(h, ZED) == []
        async with h.core.sessions() as s:
            reasons = [a.reason for a in (await s.execute(select(AuditEvent))).scalars()]
        assert "I am not ready" not in reasons


async def test_forget_me_wipes_the_bytes_from_the_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "circlekeeper.db"
    async with Harness(f"sqlite+aiosqlite:///{db}", START) as h:
        h.port.meet(ZED)
        await make_circle(h, members=("ana", ZED))
        await h.run(ZED, "/circle rules agree")
        await h.run(ZED, '/circle consult "named request"')
        raw = file_bytes(tmp_path)
        assert ZED.encode() in raw
        await h.run(ZED, "/circle forget-me confirm:yes")
        raw = file_bytes(tmp_path)
        assert ZED.encode() not in raw


async def test_an_export_holds_only_the_askers_own_data(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h, members=("ana", "ben", "cara"))
        await h.run("lee", "/circle remove @cara")
        await h.run("ana", '/circle consult "named"')
        r = await h.run("lee", "/circle export")
        assert r.file is not None
        text = r.file.data.decode()
        data = json.loads(text)
        for other in ("ana", "ben", "cara", "maya", "organizer"):
            assert f'"{other}"' not in text, other
        assert data["about"].startswith("Everything circlekeeper stores about you")
        assert "changes_you_made" in data["records"]
        assert "tables" not in data
        for internal in ("deliveries", "delivery_receipts", "seal", "lease"):
            assert internal not in text
        r = await h.run("maya", "/circle export")
        assert r.file is not None
        assert '"ana"' not in r.file.data.decode()  # the consult's asker is not the mentor's data
