"""Direct messages, and what happens when a person's direct messages are closed.

The rule lives here, once, for every platform: a port only raises ``PlatformError`` of kind
``DM_CLOSED``; the core then posts a short notice with a mention in a circle channel of theirs,
without the message's text (it may be confidential, and the channel is shared), so the person
learns why nothing reached them. With no circle channel to say it in, DM_CLOSED goes on up.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.runtime import Core
from bot.core.scope import Scope
from bot.i18n import N_, translate
from bot.port import ChatPort, ErrorKind, Message, PlatformError
from storage import repos
from storage.models import Circle

log = logging.getLogger(__name__)

DMS_CLOSED = N_(
    "{person}, the bot could not send you a direct message because your direct messages are "
    "closed. To get reminders and replies privately, allow direct messages from members of this "
    "server (server menu, Privacy Settings)."
)


async def dm_or_notice(
    core: Core,
    port: ChatPort,
    workspace: str,
    user: str,
    message: Message,
    *,
    key: str | None = None,
    retry: bool = False,
    circle: Circle | None = None,
    session: AsyncSession | None = None,
) -> str:
    """DM ``user``; if their DMs are closed, post the notice in a circle channel of theirs
    (``circle``'s when they are active in it). Returns the ID of whichever message was sent.

    ``session`` is the running command's, so that a membership it just added counts."""
    try:
        return await port.dm(workspace, user, message, key=key, retry=retry)
    except PlatformError as err:
        if err.kind is not ErrorKind.DM_CLOSED:
            raise
        closed = err
    where = await _circle_of(core, port.platform, workspace, user, circle, session)
    if where is None or where.channel_id is None:
        raise closed
    log.info("dm closed user=%s code=%s fallback_channel=%s", user, closed.code, where.channel_id)
    notice = translate(DMS_CLOSED, where.language, person=port.mention(user))
    fallback_key = f"{key}:dm-closed" if key is not None else None
    return await port.post(workspace, where.channel_id, Message(notice), key=fallback_key)


async def dm(sc: Scope, user: str, message: Message, *, circle: Circle | None = None) -> str:
    """``dm_or_notice`` for a use case running in a command's scope."""
    return await dm_or_notice(
        sc.core, sc.port, sc.workspace, user, message, circle=circle, session=sc.session
    )


async def _circle_of(
    core: Core,
    platform: str,
    workspace: str,
    user: str,
    preferred: Circle | None,
    session: AsyncSession | None,
) -> Circle | None:
    """A circle with a channel where the person is active: ``preferred`` if it is one."""

    async def first(s: AsyncSession) -> Circle | None:
        theirs = [c for c in await repos.circles_of(s, platform, workspace, user) if c.channel_id]
        if preferred is not None and any(c.id == preferred.id for c in theirs):
            return preferred
        return theirs[0] if theirs else None

    if session is not None:
        return await first(session)
    async with core.sessions() as s:
        return await first(s)


async def tell(sc: Scope, user: str, message: Message, *, circle: Circle | None = None) -> None:
    """A notice about a change already made (removed, role changed, rules to re-agree): closed
    DMs with no channel to say so in are logged, never raised, so telling cannot undo it."""
    try:
        await dm(sc, user, message, circle=circle)
    except PlatformError as err:
        if err.kind is not ErrorKind.DM_CLOSED:
            raise
        log.info("notice not delivered user=%s code=%s", user, err.code)
