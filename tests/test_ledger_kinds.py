"""Every kind of delivery the core can enqueue has a handler, wired in one table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core import kinds, ledger
from bot.wiring import LEDGER_HANDLERS
from tests.harness import Harness


def test_every_kind_has_exactly_one_handler() -> None:
    assert set(LEDGER_HANDLERS) == set(kinds.PREFIXES)
    assert len(kinds.PREFIXES) == len(set(kinds.PREFIXES))


async def test_an_unknown_kind_is_refused_at_enqueue_not_lost_at_send(db_url: str) -> None:
    now = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
    async with Harness(db_url, now) as h:
        await h.run("organizer", '/circle create "T circle" leader:@lee')
        async with h.core.sessions() as s, s.begin():
            with pytest.raises(ValueError, match="unknown delivery kind"):
                await ledger.enqueue(s, 1, now, "no-such-kind:1", now)
            assert await ledger.enqueue(s, 1, now, kinds.of(kinds.REMINDER, 60), now)
        assert h.core.handlers is LEDGER_HANDLERS
