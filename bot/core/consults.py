"""Consult requests: a member or leader privately asks the circle's mentor for support.

The request text goes straight into the mentor's direct message and nowhere else: it is not
stored, logged or put in the delivery ledger. The ``consults`` row keeps only that a request was
made (when, to which mentor, by whom unless anonymous) and when it was acknowledged.

For an anonymous request the asker's ID is stored only sealed under the server secret
(``bot.core.sealing``): the mentor's buttons carry just the request's number, so neither the
mentor, nor anyone holding the database file or an export, nor the logs can name the asker, while
the bot can still tell them of the acknowledgement and pass on the mentor's replies
(``mentor reply``). The seal is erased by forget-me and once the reply window is over.

Everything sent to an asker, and the request sent to the mentor, goes by direct message only:
no fallback notice in a shared channel, because that would point at the person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import UserError
from bot.core.mentoring import mentor_of
from bot.core.scope import Scope
from bot.i18n import N_, format_day, translate
from bot.port import Button, ErrorKind, Message, PlatformError
from storage import repos
from storage.models import Circle, Consult, Membership, Status

log = logging.getLogger(__name__)

MAX_TEXT = 2000
REPLY_WINDOW = timedelta(days=30)
"""How long after a request the mentor can still reach an anonymous asker; then the seal goes."""


def _bound(consult_id: int) -> str:
    return f"consult:{consult_id}"


@dataclass(frozen=True)
class Asked:
    id: int
    mentor: str
    delivered: bool


async def _private(sc: Scope, user: str, message: Message) -> bool:
    """A direct message and nothing else; False if the person cannot get one (DMs closed, or
    gone). Anything passing (a rate limit, an outage) goes on up: the command rolls back and
    the person is told to try again."""
    try:
        await sc.port.dm(sc.workspace, user, message)
    except PlatformError as err:
        if err.kind not in (ErrorKind.DM_CLOSED, ErrorKind.GONE):
            raise
        log.info("consult dm refused kind=%s code=%s", err.kind, err.code)
        return False
    return True


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise UserError(
            N_('Write what you would like support with, like /circle consult "…" anonymous:yes.')
        )
    if len(text) > MAX_TEXT:
        raise UserError(N_("Keep the consult request under {n} characters."), n=MAX_TEXT)
    return text


async def ask(sc: Scope, circle: Circle, m: Membership | None, text: str, anonymous: bool) -> Asked:
    """DM the mentor the request; store only the fact. The text is never kept."""
    text = _check_text(text)
    if m is None or m.status != Status.ACTIVE:
        raise UserError(
            N_("Only people in {circle} can ask its mentor for a consult."), circle=circle.name
        )
    mentor = await mentor_of(sc.session, circle.id)
    if mentor is None:
        raise UserError(
            N_(
                "{circle} has no mentor at the moment. Ask an organizer to assign one; for "
                "urgent help see /circle resources."
            ),
            circle=circle.name,
        )
    if mentor == sc.actor:
        raise UserError(N_("You are the mentor of {circle}."), circle=circle.name)
    await repos.consults.erase_seals_before(sc.session, sc.now() - REPLY_WINDOW)
    row = Consult(
        circle_id=circle.id,
        asker_id=None if anonymous else sc.actor,
        mentor_id=mentor,
        asked_at=sc.now(),
        delivered=True,
    )
    sc.session.add(row)
    await sc.session.flush()
    if anonymous:
        row.asker_seal = sc.core.seals().seal(sc.actor, _bound(row.id))
    target = f"id:{row.id} circle:#{circle.id}"
    lang = circle.language
    if anonymous:
        heading = translate(
            N_("An anonymous consult request from someone in {circle}:"), lang, circle=circle.name
        )
    else:
        heading = translate(
            N_("{person} in {circle} asks you for a consult:"),
            lang,
            person=sc.port.mention(sc.actor),
            circle=circle.name,
        )
    footer = translate(
        N_(
            "The bot delivers this request and does not keep its words. Press Acknowledge to "
            "let the person who asked know that you have seen it, or Reply to answer them "
            "through the bot (an anonymous person stays anonymous)."
        ),
        lang,
    )
    buttons = (
        Button(translate(N_("Acknowledge"), lang), f"mentor ack {target}", "primary"),
        Button(translate(N_("Reply"), lang), f"mentor reply {target}"),
    )
    row.delivered = await _private(sc, mentor, Message(f"{heading}\n\n{text}\n\n{footer}", buttons))
    await sc.session.flush()
    # No request number here: next to an adapter's line it could link the asker to it.
    log.info("consult asked circle=%s delivered=%s", circle.id, row.delivered)
    return Asked(row.id, mentor, row.delivered)


async def _asker(sc: Scope, row: Consult) -> str | None:
    """Who asked, if the bot may still reach them (named, or sealed within the window)."""
    if row.asker_id is not None:
        return row.asker_id
    if row.asker_seal is None:
        return None
    if sc.now() - row.asked_at > REPLY_WINDOW:
        row.asker_seal = None
        await sc.session.flush()
        return None
    return sc.core.seals().open(row.asker_seal, _bound(row.id))


async def _mine(sc: Scope, circle: Circle, consult_id: int, is_organizer: bool) -> Consult:
    row = await sc.session.get(Consult, consult_id)
    if row is None or row.circle_id != circle.id:
        raise UserError(
            N_("There is no consult request {id} in {circle}. Check the number."),
            id=consult_id,
            circle=circle.name,
        )
    if row.mentor_id != sc.actor and not is_organizer:
        raise UserError(N_("Only the mentor who was asked can acknowledge this request."))
    return row


async def acknowledge(
    sc: Scope, circle: Circle, consult_id: int, is_organizer: bool
) -> tuple[Consult, bool]:
    """Record the acknowledgement and tell the asker. Returns (consult, whether told)."""
    row = await _mine(sc, circle, consult_id, is_organizer)
    if row.acknowledged_at is not None:
        raise UserError(
            N_("You already acknowledged this request on {date}."),
            date=format_day(row.acknowledged_at.date(), circle.language),
        )
    asker = await _asker(sc, row)
    row.acknowledged_at = sc.now()
    await sc.session.flush()
    if asker is None:
        return row, False
    lang = circle.language
    text = translate(
        N_(
            "{mentor} has seen the consult request you sent on {date} about {circle} and will "
            "follow up."
        )
        if row.asker_id
        else N_(
            "The mentor of {circle} has seen the anonymous consult request you sent on {date}. "
            "They do not know who sent it; they may answer you through the bot, and to talk "
            "with them directly, send a consult without anonymous:yes."
        ),
        lang,
        mentor=sc.port.mention(sc.actor),
        date=format_day(row.asked_at.date(), lang),
        circle=circle.name,
    )
    return row, await _private(sc, asker, Message(text))


async def reply(sc: Scope, circle: Circle, consult_id: int, text: str, is_organizer: bool) -> bool:
    """Pass the mentor's words to the asker by direct message; store nothing of them.

    Returns whether they were delivered. An anonymous asker stays anonymous: the mentor never
    learns who it reached, nor (when it did not) why not."""
    text = _check_text(text)
    row = await _mine(sc, circle, consult_id, is_organizer)
    asker = await _asker(sc, row)
    if row.acknowledged_at is None:
        row.acknowledged_at = sc.now()  # answering is seeing it
        await sc.session.flush()
    if asker is None:
        return False
    lang = circle.language
    if row.asker_id:
        heading = translate(
            N_("{mentor} answered the consult request you sent on {date} about {circle}:"),
            lang,
            mentor=sc.port.mention(sc.actor),
            date=format_day(row.asked_at.date(), lang),
            circle=circle.name,
        )
    else:
        heading = translate(
            N_(
                "The mentor of {circle} answered the anonymous consult request you sent on "
                "{date}. They still do not know who you are:"
            ),
            lang,
            date=format_day(row.asked_at.date(), lang),
            circle=circle.name,
        )
    footer = translate(
        N_(
            "The bot delivered this answer and does not keep its words. To write back, send "
            "/circle consult again (add anonymous:yes to stay anonymous)."
        ),
        lang,
    )
    delivered = await _private(sc, asker, Message(f"{heading}\n\n{text}\n\n{footer}"))
    log.info("consult reply circle=%s delivered=%s", circle.id, delivered)
    return delivered


async def open_count(s: AsyncSession, circle_id: int) -> int:
    """Requests the mentor has not acknowledged yet (a health figure)."""
    return await repos.consults.open_count(s, circle_id)


async def undelivered(s: AsyncSession, circle_id: int) -> tuple[int, ...]:
    """Open requests that could not reach the mentor (their direct messages were closed)."""
    return tuple(await repos.consults.undelivered(s, circle_id))


async def oldest_open(s: AsyncSession, circle_id: int) -> datetime | None:
    """When the longest-waiting unanswered request was asked (the "waiting" flag)."""
    return await repos.consults.oldest_open(s, circle_id)
