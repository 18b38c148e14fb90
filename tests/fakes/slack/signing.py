"""Slack's v0 request signing, and requests spoiled in the ways an app must refuse: a bad or
missing signature, a stale or missing timestamp, the wrong secret."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Literal

Signature = Literal["valid", "bad", "missing", "stale", "no_timestamp", "wrong_secret"]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: bytes, *, signature: Signature = "valid", now: float | None = None
) -> dict[str, str]:
    """Headers for a request signed correctly, or spoiled in the way ``signature`` says."""
    moment = int(now if now is not None else time.time())
    if signature == "stale":
        moment -= 60 * 6  # Slack apps reject requests older than five minutes
    ts = str(moment)
    headers = {"X-Slack-Request-Timestamp": ts}
    if signature in {"valid", "stale"}:
        headers["X-Slack-Signature"] = sign(secret, ts, body)
    elif signature == "bad":
        good = sign(secret, ts, body)
        headers["X-Slack-Signature"] = good[:-4] + ("0000" if not good.endswith("0000") else "1111")
    elif signature == "wrong_secret":
        headers["X-Slack-Signature"] = sign(secret + "-not", ts, body)
    elif signature == "no_timestamp":
        headers["X-Slack-Signature"] = sign(secret, ts, body)
        del headers["X-Slack-Request-Timestamp"]
    return headers
