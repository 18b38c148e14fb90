"""Log set-up: ``[ops] log_format = "text" | "json"``, the same records either way.

Records carry IDs and codes only (the code that logs makes sure of that). The one thing a
formatter adds on its own is an exception, and an exception's message can quote its input, so
both formats show an exception as its type and stack frames, never its message.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _exception(exc_info: Any) -> str:
    kind, _value, tb = exc_info
    frames = "".join(traceback.format_tb(tb)) if tb is not None else ""
    name = kind.__name__ if kind is not None else "Exception"
    return f"Traceback (most recent call last):\n{frames}{name} (message withheld)"


class TextFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:
        return _exception(ei)

    def formatStack(self, stack_info: str) -> str:
        return stack_info


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message[, exception]."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exception"] = _exception(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def formatter(fmt: Literal["text", "json"]) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter(TEXT_FORMAT)


def configure(
    fmt: Literal["text", "json"] = "text", level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Replace the root logger's handlers with one in the chosen format (idempotent)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(fmt))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # aiohttp's access log would print request paths and query strings (Slack's carry nothing
    # personal, but a proxy's might); the adapters log what matters themselves.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # APScheduler logs two lines at INFO for every run of every job (each tick); its warnings
    # (a job missed or failed) still come through.
    logging.getLogger("apscheduler").setLevel(max(level, logging.WARNING))
    return handler
