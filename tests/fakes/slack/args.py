"""Slack's error answer and the readers of loosely typed arguments (form or JSON)."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_TEXT = 40_000


_CHANNEL_NAME = re.compile(r"^[a-z0-9_\-]+$")


class SlackApiError(Exception):
    """An API error the fake answers with (HTTP 200, ok: false)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return str(value).lower() in {"1", "true", "yes"}


def _as_json(value: Any, error: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise SlackApiError(error) from exc
    return value


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]
