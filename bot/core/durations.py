"""Reading durations such as ``24h``, ``90m``, ``2d`` and lists such as ``24h,1h``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"^(\d{1,4})([mhdw])$")
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_OFFSET = timedelta(days=14)


def parse_duration(text: str) -> timedelta:
    """``90m`` → 90 minutes. Raises ValueError with the accepted forms."""
    match = _PART.match(text.strip().lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration; use a number and m, h, d or w, like 24h")
    amount, unit = match.groups()
    return timedelta(**{_UNIT[unit]: int(amount)})


def parse_offsets(text: str) -> list[timedelta]:
    """``24h,1h`` → [24 h, 1 h], largest first, without repeats; at most 5, none over 14 days."""
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts:
        raise ValueError("give at least one offset, like 24h,1h")
    offsets = sorted({parse_duration(p) for p in parts}, reverse=True)
    if len(offsets) > 5:
        raise ValueError("at most 5 reminder offsets")
    if offsets[0] > MAX_OFFSET or offsets[-1] <= timedelta(0):
        raise ValueError("each offset must be between 1m and 14d")
    return offsets


def format_duration(delta: timedelta) -> str:
    """The compact form used in commands: 1 day 2 hours → ``26h``; 90 minutes → ``90m``."""
    minutes = int(delta.total_seconds() // 60)
    if minutes % (60 * 24 * 7) == 0:
        return f"{minutes // (60 * 24 * 7)}w"
    if minutes % (60 * 24) == 0:
        return f"{minutes // (60 * 24)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"
