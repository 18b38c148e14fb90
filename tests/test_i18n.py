"""Every user-facing text goes through the catalog; a circle can speak Spanish."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.harness import Harness

ROOT = Path(__file__).resolve().parents[1]
ES = ROOT / "bot" / "locale" / "es" / "LC_MESSAGES" / "circlekeeper.po"
FIELD = re.compile(r"\{(\w+)\}")


def test_spanish_catalog_matches_the_code() -> None:
    code_ids = set()
    for sub in ("bot", "cogs"):
        for _f, _l, message, _c, _ctx in extract_from_dir(
            ROOT / sub, keywords={"N_": None, "t": None}, method_map=[("**.py", "python")]
        ):
            code_ids.add(message)
    with ES.open("rb") as fh:
        catalog = read_po(fh, locale="es")
    translated = [m for m in catalog if m.id and m.string]
    assert len(translated) >= 25
    for m in translated:
        assert m.id in code_ids, f"stale translation: {m.id!r}"
        assert set(FIELD.findall(str(m.id))) == set(FIELD.findall(str(m.string))), m.id


async def test_a_spanish_circle_gets_spanish_messages(db_url: str) -> None:
    async with Harness(db_url, datetime(2026, 3, 2, 17, 0, tzinfo=UTC)) as h:
        await h.run("organizer", '/circle create "Círculo martes" leader:@lee language:es')
        await h.run("lee", "/circle add @ana")
        assert any("[DM ana] Te damos la bienvenida a Círculo martes" in line for line in h.out)
        assert any("[button: Leer los acuerdos → /circle rules show circle:#1]" in x for x in h.out)
        assert any("Acepto los acuerdos del círculo" in line for line in h.out)
        r = await h.run("ana", "/circle resources")
        assert r.text.startswith("Si estás en peligro") and "988" in r.text
        r = await h.run("ana", "/circle add @ben")
        assert r.text.startswith("Solo estas personas pueden usar /circle add: líder, organización")


async def test_spanish_reminders_and_session(db_url: str) -> None:
    start = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    async with Harness(db_url, start) as h:
        await h.run("organizer", '/circle create "Círculo martes" leader:@lee language:es')
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle schedule set day:tuesday time:19:00 timezone:Europe/Madrid")
        h.out.clear()
        h.clock.advance(timedelta(hours=1))  # the 24 h reminder of Tuesday 19:00 CET is due
        await h.core.tick()
        assert any(
            "[DM ana] Recordatorio: Círculo martes se reúne" in line
            and "(empieza en 1 día)" in line
            for line in h.out
        ), h.out
        assert any("[button: Sí, voy a ir → /circle rsvp yes" in line for line in h.out)
        r = await h.run("ana", "/circle rsvp yes")
        assert r.text.startswith("Gracias. Vas a venir a la reunión")
