"""A person's data: export what is theirs, or delete everything that names them (forget-me).

Both walk ``storage.models.PERSON_COLUMNS``, so a new column that names a person is covered by
adding it there. Rows that only this person needs are deleted; rows that others need (a meeting's
head-count, an audit line, a prompt a leader wrote) stay with the name removed.

The export holds the person's own data only: other people in the same rows are left out, and
internal rows (the delivery ledger) and anything sealed are not included. Forget-me also erases
the seals of their anonymous consults (so nothing can reach them any more), reasons they wrote
or that name them, and their Slack installation's user; on SQLite the deleted bytes are then
wiped from the file (``secure_delete`` and a WAL checkpoint, once the command has committed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import circles
from bot.core.effects import Effects
from bot.core.runtime import Core
from bot.core.scope import Scope
from bot.core.sealing import Sealer
from bot.i18n import N_, translate
from bot.port import PlatformError
from storage import repos
from storage.db import wipe_deleted
from storage.models import (
    PERSON_COLUMNS,
    Attendance,
    AuditEvent,
    Base,
    Circle,
    CircleSession,
    Consult,
    Delivery,
    DeliveryReceipt,
    DmChannel,
    Membership,
    Prompt,
    PromptUse,
    ReminderMute,
    Rsvp,
    RuleAgreement,
    RuleVersion,
    SessionSeat,
    Status,
)

log = logging.getLogger(__name__)

DELETE = (
    Membership,
    RuleAgreement,
    Rsvp,
    ReminderMute,
    Attendance,
    DeliveryReceipt,
    Delivery,
    SessionSeat,
    DmChannel,
)
"""Tables whose rows about a person exist only for that person."""

ABOUT = N_(
    "Everything circlekeeper stores about you in this workspace, grouped by kind. It holds only "
    "your own data: other people in the same records are left out. The bot never stored what "
    "anyone wrote in a circle or in a consult request. Times are UTC. /circle forget-me deletes "
    "all of this."
)

SECTIONS: dict[tuple[type[Base], str], tuple[str, tuple[str, ...]]] = {
    (Circle, "created_by"): ("circles_you_created", ("name", "created_at")),
    (Membership, "user_id"): ("your_memberships", ("role", "status", "notify", "since")),
    (RuleVersion, "created_by"): ("ground_rules_you_wrote", ("version", "text", "created_at")),
    (RuleAgreement, "user_id"): ("ground_rules_you_agreed_to", ("version", "agreed_at")),
    (Prompt, "created_by"): ("prompts_you_wrote", ("kind", "text", "created_at")),
    (PromptUse, "posted_by"): ("prompts_you_posted", ("used_at",)),
    (AuditEvent, "actor_id"): ("changes_you_made", ("at", "action", "detail", "reason")),
    (AuditEvent, "target_id"): ("changes_about_you", ("at", "action", "detail")),
    (Rsvp, "user_id"): ("your_rsvps", ("occurrence", "going", "maybe", "updated_at")),
    (ReminderMute, "user_id"): ("meetings_you_wanted_no_reminders_for", ("occurrence",)),
    (Attendance, "user_id"): ("meetings_you_attended", ()),
    (Consult, "asker_id"): ("consult_requests_you_sent", ("asked_at", "acknowledged_at")),
    (Consult, "mentor_id"): ("consult_requests_you_received", ("asked_at", "acknowledged_at")),
    (CircleSession, "started_by"): ("circle_format_sessions_you_started", ("started_at",)),
    (SessionSeat, "user_id"): ("your_seats_in_a_running_circle_format", ("position",)),
}
"""What the export shows of each (table, column naming the person): a readable section name and
the fields that are the person's own. ``(Delivery, …)`` and ``(DeliveryReceipt, …)`` are left out
on purpose: they are the bot's internal send ledger; so is ``(DmChannel, …)``, the platform's
DM channel ID kept so a restart need not open it again (forget-me deletes it all the same)."""


@dataclass(frozen=True)
class Export:
    data: dict[str, Any]
    records: int


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def _bound(consult_id: int) -> str:
    return f"consult:{consult_id}"


async def _own_anonymous(
    s: AsyncSession, sealer: Sealer, platform: str, workspace: str, user: str
) -> list[Consult]:
    """The person's anonymous consults: only the server can tell, by opening each seal."""
    return [
        c
        for c in await repos.consults.sealed_in(s, platform, workspace)
        if c.asker_seal is not None and sealer.open(c.asker_seal, _bound(c.id)) == user
    ]


async def export(
    s: AsyncSession, sealer: Sealer, platform: str, workspace: str, user: str, lang: str
) -> dict[str, Any]:
    """The person's own records in this workspace, section by section."""
    names = {c.id: c.name for c in await repos.circles_in(s, platform, workspace)}
    out: dict[str, list[dict[str, object]]] = {}
    for model, column in PERSON_COLUMNS:
        if (model, column) not in SECTIONS:
            continue
        section, fields = SECTIONS[(model, column)]
        for row in await repos.privacy.rows_naming(s, model, column, user, platform, workspace):
            if isinstance(row, AuditEvent) and column == "target_id" and row.actor_id == user:
                continue  # already under changes_you_made
            record: dict[str, object] = {}
            circle_id = await repos.privacy.circle_of(s, row)
            if circle_id is not None:
                record["circle"] = names.get(circle_id)
            if isinstance(row, Attendance):
                record["meeting"] = _plain(await repos.privacy.meeting_start(s, row.meeting_id))
            record.update({f: _plain(getattr(row, f)) for f in fields})
            if isinstance(row, Consult) and column == "asker_id":
                record["anonymous"] = False
            if record not in out.setdefault(section, []):
                out[section].append(record)
    for c in await _own_anonymous(s, sealer, platform, workspace, user):
        out.setdefault("consult_requests_you_sent", []).append(
            {
                "circle": names.get(c.circle_id),
                "asked_at": _plain(c.asked_at),
                "acknowledged_at": _plain(c.acknowledged_at),
                "anonymous": True,
            }
        )
    return {
        "about": translate(ABOUT, lang),
        "person": user,
        "platform": platform,
        "workspace": workspace,
        "records": out,
    }


async def export_mine(sc: Scope, lang: str) -> Export:
    """The actor's own export, with how many records it holds."""
    data = await export(sc.session, sc.core.seals(), sc.platform, sc.workspace, sc.actor, lang)
    return Export(data, sum(len(v) for v in data["records"].values()))


async def forget(sc: Scope, user: str) -> int:
    """Leave every circle (seats pass to the waitlist), then delete or anonymise every row."""
    s = sc.session
    for m, circle in await repos.privacy.memberships_of(s, user, sc.platform, sc.workspace):
        if m.status != Status.LEFT:
            await circles.remove(sc, circle, user, action="member.forget")
    touched = 0
    for c in await _own_anonymous(s, sc.core.seals(), sc.platform, sc.workspace, user):
        c.asker_seal = None  # the mentor's acknowledgement or reply now reaches nobody
        touched += 1
    touched += await repos.privacy.blank_reasons(
        s, user, sc.port.mention(user), sc.platform, sc.workspace
    )
    for model, column in PERSON_COLUMNS:
        wipe = repos.privacy.delete_naming if model in DELETE else repos.privacy.unname
        touched += await wipe(s, model, column, user, sc.platform, sc.workspace)
    if sc.platform == "slack":
        touched += await repos.privacy.unname_slack_installer(s, sc.workspace, user)
    cached = getattr(sc.port, "forget_dm_channel", None)  # an adapter's DM channel cache
    if callable(cached):
        cached(sc.workspace, user)
    await s.flush()
    engine = sc.core.engine
    sc.effects.after_commit("privacy.wipe", lambda: wipe_deleted(engine))
    return touched


async def forget_departed(core: Core, platform: str, workspace: str, user: str) -> int:
    """Someone left the server, or their account was deleted: nothing of theirs is needed any
    more, so forget them as forget-me would (seats pass on; head-counts stay, unnamed).

    Runs in a transaction of its own; a platform refusal rolls it back and is logged (IDs and
    codes only), to be tried again by the person's next departure event or their forget-me."""
    effects = Effects()
    try:
        async with core.sessions() as s:
            async with s.begin():
                sc = Scope(s, core, core.port(platform), platform, workspace, user, effects)
                touched = await forget(sc, user)
            await effects.committed()
    except PlatformError as err:
        await effects.rolled_back()
        log.warning("forget departed failed platform=%s code=%s", platform, err.code)
        return 0
    log.info("forgot a departed person platform=%s records=%d", platform, touched)
    return touched
