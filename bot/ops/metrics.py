"""Counters and histograms for ``/metrics``: a neutral module any layer may call.

Labels are codes from a small fixed set (a command's declared name, a delivery kind's handler
prefix, an outcome word, a platform name), never an ID, a name or anything a person wrote, so
that the series stay few and say nothing about anyone. Each process has its own registry
(``REGISTRY``); with several processes, Prometheus scrapes each one.
"""

from __future__ import annotations

import re
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

COMMANDS = Counter(
    "circlekeeper_commands",
    "Commands run, by declared name and outcome (ok, refused, platform_error, failed).",
    ["name", "outcome"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "circlekeeper_deliveries",
    "Ledger deliveries finished, by kind (handler prefix) and outcome "
    "(sent, skipped, failed, retry).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
LATENESS = Histogram(
    "circlekeeper_delivery_lateness_seconds",
    "How long after its due time a delivery was handled.",
    ["kind"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, float("inf")),
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "circlekeeper_rate_limited",
    "HTTP 429 answers received from a platform.",
    ["platform"],
    registry=REGISTRY,
)
OPEN_CONSULTS = Gauge(
    "circlekeeper_open_consults",
    "Consult requests not yet acknowledged by a mentor (a count; refreshed on each scrape).",
    registry=REGISTRY,
)
DISPATCHER_LAST_RUN = Gauge(
    "circlekeeper_dispatcher_last_run_timestamp_seconds",
    "Unix time when this process's dispatcher last finished a pass.",
    registry=REGISTRY,
)
PLATFORM_CONNECTED = Gauge(
    "circlekeeper_platform_connected",
    "1 when the platform adapter is connected (refreshed on each scrape).",
    ["platform"],
    registry=REGISTRY,
)

_CODE = re.compile(r"^[a-z][a-z0-9_ -]{0,40}$")
COMMAND_OUTCOMES = frozenset({"ok", "refused", "platform_error", "failed"})
DELIVERY_OUTCOMES = frozenset({"sent", "skipped", "failed", "retry", "cancelled"})


def _code(value: str) -> str:
    """A label value must look like a code; anything else is counted as ``other``."""
    value = value.lower()
    return value if _CODE.match(value) else "other"


def command(name: str, outcome: str) -> None:
    """Count one command by its declared name (``schedule set``) and outcome."""
    assert outcome in COMMAND_OUTCOMES, outcome
    COMMANDS.labels(_code(name), outcome).inc()


def delivery(kind: str, outcome: str, lateness_seconds: float | None = None) -> None:
    """Count one ledger row handled; ``kind`` is cut to its handler prefix (``reminder:60`` ->
    ``reminder``), so details such as offsets or prompt kinds never multiply the series."""
    outcome = outcome.lower()
    assert outcome in DELIVERY_OUTCOMES, outcome
    prefix = _code(kind.partition(":")[0])
    _state["progress"] = time.time()
    DELIVERIES.labels(prefix, outcome).inc()
    if lateness_seconds is not None:
        LATENESS.labels(prefix).observe(max(lateness_seconds, 0.0))


def rate_limited(platform: str) -> None:
    RATE_LIMITED.labels(_code(platform)).inc()


_state = {"finished": 0.0, "started": 0.0, "progress": 0.0, "running": 0}


def dispatcher_started(at: float | None = None) -> None:
    _state["started"] = time.time() if at is None else at
    _state["running"] += 1


def dispatcher_ran(at: float | None = None, *, succeeded: bool = True) -> None:
    """A dispatcher pass ended (``/healthz`` wants a successful one within two ticks)."""
    _state["running"] = max(0, int(_state["running"]) - 1)
    if succeeded:
        when = time.time() if at is None else at
        _state["finished"] = when
        DISPATCHER_LAST_RUN.set(when)


def dispatcher_last_run() -> float | None:
    """Unix time of the last dispatcher pass in this process, or None before the first."""
    return _state["finished"] or None


def dispatcher_alive() -> float | None:
    """When the dispatcher last showed life: a pass finished, or, during a long pass (a burst),
    the pass started or a delivery was handled. None before anything happened."""
    times = [_state["finished"]]
    if _state["running"]:
        times += [_state["started"], _state["progress"]]
    return max(times) or None
