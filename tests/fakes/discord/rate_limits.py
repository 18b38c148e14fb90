"""Rate limits: real ``X-RateLimit-*`` headers, 5 per 5 s per channel for messages, 50/s
globally, and failures injected with ``fail_next``."""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from tests.fakes.discord.constants import DiscordHTTPError
from tests.fakes.discord.records import FailRule, RecordedRequest, _Bucket
from tests.fakes.discord.state import DiscordState


class RateLimits(DiscordState):
    """Buckets, the global window and injected answers (429/403/404/...)."""

    def fail_next(
        self,
        target: str,
        status: int = 429,
        *,
        retry_after: float = 0.3,
        global_: bool = False,
        code: int | None = None,
        message: str | None = None,
        times: int = 1,
    ) -> FailRule:
        """Answer the next ``times`` matching requests with an error.

        ``target`` is a route template (``/channels/{channel_id}/messages``) or a concrete
        path, optionally prefixed with a method: ``"POST /channels/{channel_id}/messages"``.
        """
        method: str | None = None
        if " " in target:
            method, target = target.split(" ", 1)
            method = method.upper()
        rule = FailRule(target, method, status, code, message, retry_after, global_, times)
        self._fail_rules.append(rule)
        return rule

    def _injected(self, rule: FailRule, template: str) -> tuple[int, Any, dict[str, str]]:
        headers = {"X-Fake-Injected": "1"}
        if rule.status == 429:
            retry = rule.retry_after
            body = {
                "message": rule.message or "You are being rate limited.",
                "retry_after": retry,
                "global": rule.global_,
            }
            if rule.global_:
                body["code"] = 0
            headers.update(
                {
                    "Retry-After": str(max(1, math.ceil(retry))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                    "X-RateLimit-Reset-After": f"{retry:.3f}",
                    "X-RateLimit-Bucket": _bucket_hash(template),
                    "X-RateLimit-Scope": "global" if rule.global_ else "user",
                }
            )
            if rule.global_:
                headers["X-RateLimit-Global"] = "true"
            return 429, body, headers
        code = rule.code if rule.code is not None else 0
        err = DiscordHTTPError(rule.status, code, rule.message)
        return rule.status, err.body(), headers

    def _bucket_key(self, rec: RecordedRequest) -> tuple[str, int, float]:
        assert rec.route is not None
        major = (
            rec.params.get("channel_id")
            or rec.params.get("guild_id")
            or rec.params.get("webhook_id")
            or ""
        )
        if rec.route == "/interactions/{interaction_id}/{interaction_token}/callback":
            major = rec.params.get("interaction_id", "")
        if rec.method == "POST" and rec.route == "/channels/{channel_id}/messages":
            return f"msg:{major}", 5, 5.0
        return f"{rec.method} {rec.route}:{major}", 50, 1.0

    def _rate_limit(self, rec: RecordedRequest) -> tuple[int, Any, dict[str, str]] | None:
        if not self.enforce_rate_limits:
            return None
        assert rec.route is not None
        now = time.monotonic()
        if not rec.route.startswith(self._AUTH_OPTIONAL_PREFIXES):
            self._global_window = [t for t in self._global_window if now - t < 1.0]
            if len(self._global_window) >= 50:
                retry = round(1.0 - (now - self._global_window[0]), 3)
                return (
                    429,
                    {
                        "message": "You are being rate limited.",
                        "retry_after": retry,
                        "global": True,
                        "code": 0,
                    },
                    {
                        "Retry-After": str(max(1, math.ceil(retry))),
                        "X-RateLimit-Global": "true",
                        "X-RateLimit-Scope": "global",
                    },
                )
            self._global_window.append(now)
        key, limit, window = self._bucket_key(rec)
        b = self._buckets.setdefault(key, _Bucket(limit, window))
        if now >= b.reset_at:
            b.count = 0
            b.reset_at = now + window
        if b.count >= b.limit:
            retry = round(b.reset_at - now, 3)
            return (
                429,
                {"message": "You are being rate limited.", "retry_after": retry, "global": False},
                {
                    "Retry-After": str(max(1, math.ceil(retry))),
                    "X-RateLimit-Limit": str(b.limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                    "X-RateLimit-Reset-After": f"{retry:.3f}",
                    "X-RateLimit-Bucket": _bucket_hash(key.split(":")[0]),
                    "X-RateLimit-Scope": "user",
                },
            )
        b.count += 1
        return None

    def _bucket_headers(self, rec: RecordedRequest) -> dict[str, str]:
        key, limit, window = self._bucket_key(rec)
        b = self._buckets.get(key) or _Bucket(limit, window, 0, time.monotonic() + window)
        reset_after = max(0.0, b.reset_at - time.monotonic())
        return {
            "X-RateLimit-Limit": str(b.limit),
            "X-RateLimit-Remaining": str(max(0, b.limit - b.count)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": _bucket_hash(key.split(":")[0]),
        }


def _bucket_hash(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:32]
