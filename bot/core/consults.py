"""Consult requests: a member or leader privately asks the circle's mentor for support.

The request text goes straight into the mentor's direct message and nowhere else: it is not
stored, logged or put in the delivery ledger. The ``consults`` row keeps only that a request was
made (when, to which mentor, by whom unless anonymous) and when it was acknowledged.

The mentor's message carries an Acknowledge button (``mentor ack id:N``); pressing it tells the
asker. For an anonymous request the asker's ID is not stored either: it travels *sealed* in the
button (``seal:…``, the ID encrypted with a random per-request key). Only that key is stored, in
``consults.seal_key``, and it is erased on acknowledgement; so the database alone never names the
asker, and after the acknowledgement nothing can.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import notices
from bot.core.errors import UserError
from bot.core.mentoring import mentor_of
from bot.core.scope import Scope
from bot.i18n import N_, translate
from bot.port import Button, Message
from storage import repos
from storage.models import Circle, Consult, Membership, Status

log = logging.getLogger(__name__)

MAX_TEXT = 2000
_TAG = 8


# -- sealing the anonymous asker's ID into the button ---------------------------------------------


def _stream(key: bytes, n: int) -> bytes:
    out = b""
    block = 0
    while len(out) < n:
        out += hmac.new(key, b"ck-seal-stream" + block.to_bytes(4, "big"), hashlib.sha256).digest()
        block += 1
    return out[:n]


def seal(key_hex: str, user: str) -> str:
    """The user ID encrypted and authenticated with ``key_hex`` (URL-safe base64, no padding)."""
    key = bytes.fromhex(key_hex)
    plain = user.encode()
    body = bytes(a ^ b for a, b in zip(plain, _stream(key, len(plain)), strict=True))
    tag = hmac.new(key, b"ck-seal-tag" + body, hashlib.sha256).digest()[:_TAG]
    return base64.urlsafe_b64encode(body + tag).decode().rstrip("=")


def unseal(key_hex: str, token: str) -> str | None:
    """The user ID, or None if the token was not made with this key."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key = bytes.fromhex(key_hex)
    except ValueError:
        return None
    body, tag = raw[:-_TAG], raw[-_TAG:]
    want = hmac.new(key, b"ck-seal-tag" + body, hashlib.sha256).digest()[:_TAG]
    if len(raw) <= _TAG or not hmac.compare_digest(tag, want):
        return None
    plain = bytes(a ^ b for a, b in zip(body, _stream(key, len(body)), strict=True))
    try:
        return plain.decode()
    except UnicodeDecodeError:
        return None


# -- asking and acknowledging ---------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    id: int
    mentor: str


async def ask(sc: Scope, circle: Circle, m: Membership | None, text: str, anonymous: bool) -> Asked:
    """DM the mentor the request; store only the fact. The text is never kept."""
    text = text.strip()
    if not text:
        raise UserError(
            N_('Write what you would like support with, like /circle consult "…" anonymous:yes.')
        )
    if len(text) > MAX_TEXT:
        raise UserError(N_("Keep the consult request under {n} characters."), n=MAX_TEXT)
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
    key = secrets.token_hex(16) if anonymous else None
    row = Consult(
        circle_id=circle.id,
        asker_id=None if anonymous else sc.actor,
        mentor_id=mentor,
        asked_at=sc.now(),
        seal_key=key,
    )
    sc.session.add(row)
    await sc.session.flush()
    command = f"mentor ack id:{row.id} circle:#{circle.id}"
    if key is not None:
        command += f" seal:{seal(key, sc.actor)}"
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
            "let the person who asked know that you have seen it."
        ),
        lang,
    )
    button = Button(translate(N_("Acknowledge"), lang), command, "primary")
    await notices.dm(sc, mentor, Message(f"{heading}\n\n{text}\n\n{footer}", (button,)))
    log.info("consult asked circle=%s consult=%s", circle.id, row.id)
    return Asked(row.id, mentor)


async def acknowledge(
    sc: Scope, circle: Circle, consult_id: int, token: str | None, is_organizer: bool
) -> tuple[Consult, bool]:
    """Record the acknowledgement and tell the asker. Returns (consult, whether told)."""
    row = await sc.session.get(Consult, consult_id)
    if row is None or row.circle_id != circle.id:
        raise UserError(
            N_("There is no consult request {id} in {circle}. Check the number."),
            id=consult_id,
            circle=circle.name,
        )
    if row.mentor_id != sc.actor and not is_organizer:
        raise UserError(N_("Only the mentor who was asked can acknowledge this request."))
    if row.acknowledged_at is not None:
        raise UserError(
            N_("You already acknowledged this request on {date}."),
            date=row.acknowledged_at.date().isoformat(),
        )
    asker = row.asker_id
    if asker is None and row.seal_key and token:
        asker = unseal(row.seal_key, token)
    row.acknowledged_at = sc.now()
    row.seal_key = None
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
            "They do not know who sent it; to talk with them directly, send a consult without "
            "anonymous:yes."
        ),
        lang,
        mentor=sc.port.mention(sc.actor),
        date=row.asked_at.date().isoformat(),
        circle=circle.name,
    )
    await notices.dm(sc, asker, Message(text))
    return row, True


async def open_count(s: AsyncSession, circle_id: int) -> int:
    """Requests the mentor has not acknowledged yet (a health figure)."""
    return await repos.consults.open_count(s, circle_id)
