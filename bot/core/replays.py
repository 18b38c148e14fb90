"""Replayed requests: a platform request that carries a signature is served once.

Slack signs every HTTP request (body and timestamp) and Bolt refuses those older than five
minutes; within those five minutes a captured request could be sent again and would run again
(three replays of one consult: three DMs to the mentor). The signature's digest is kept for the
window, in the database so that every process serving Slack shares it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from bot.core.runtime import Core
from storage import repos

WINDOW = timedelta(minutes=6)
"""A little over Slack's five minutes, so clock skew cannot reopen the window."""


async def first_time(core: Core, platform: str, signature: str, timestamp: str) -> bool:
    """Whether this signed request is new; a repeat within the window returns False."""
    digest = hashlib.sha256(f"{platform}:{timestamp}:{signature}".encode()).hexdigest()
    now = datetime.now(UTC)  # the platform's clock, not a test's manual one
    async with core.sessions() as s, s.begin():
        return await repos.slack.first_time(s, digest, now, now - WINDOW)
