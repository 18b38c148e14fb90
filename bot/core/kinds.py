"""The kinds of delivery the ledger holds, as ``<prefix>:<detail>`` (``reminder:60``).

The prefix picks the handler; ``bot.wiring.LEDGER_HANDLERS`` maps every prefix listed here to
one, and ``ledger.enqueue`` refuses a prefix not listed, so nothing is enqueued that no handler
would take.
"""

from __future__ import annotations

REMINDER = "reminder"
PROMPT = "prompt"
STAGE_NUDGE = "stage-nudge"
MENTOR_ACCESS = "mentor-access"
RECONVENE = "reconvene"
SESSION_TIMER = "session-timer"

PREFIXES = (REMINDER, PROMPT, STAGE_NUDGE, MENTOR_ACCESS, RECONVENE, SESSION_TIMER)


def of(prefix: str, detail: object) -> str:
    """``of(REMINDER, 60)`` → ``"reminder:60"``."""
    assert prefix in PREFIXES, prefix
    return f"{prefix}:{detail}"


def prefix_of(kind: str) -> str:
    return kind.partition(":")[0]
