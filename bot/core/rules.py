"""Ground rules: versioned per circle; members post only after agreeing to the current version."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import notices, stages
from bot.core.access import access_for, invited_until
from bot.core.errors import UserError
from bot.core.scope import Scope
from bot.i18n import N_, translate
from bot.port import Access, Button, Message
from storage import repos
from storage.models import Circle, Membership, Role, RuleAgreement, RuleVersion, Stage, Status

MAX_RULES = 4000


def agree_button(circle: Circle, version: int) -> Button:
    label = translate(N_("I agree to the ground rules"), circle.language)
    return Button(label, f"rules agree version:{version} circle:#{circle.id}", "primary")


@dataclass(frozen=True)
class Shown:
    """The current ground rules and whether the asker agreed to them."""

    version: int
    text: str
    agreed: bool


async def show(sc: Scope, circle: Circle) -> Shown:
    """The current version for the actor to read (a message when there is none yet)."""
    current = await repos.current_rules(sc.session, circle.id)
    if current is None:
        raise UserError(N_("{circle} has no ground rules yet."), circle=circle.name)
    agreed = await repos.has_agreed(sc.session, circle.id, sc.actor, current.version)
    return Shown(current.version, current.text, agreed)


async def current_text(sc: Scope, circle: Circle) -> str:
    """The text of the current version ("" when there is none), to start an edit from."""
    current = await repos.current_rules(sc.session, circle.id)
    return current.text if current else ""


async def publish(sc: Scope, circle: Circle, text: str) -> RuleVersion:
    """Store a new version, post it in the circle channel with an Agree button, and pin it."""
    text = text.strip()
    if not text:
        raise UserError(N_('Write the ground rules after the command, like text:"1. …".'))
    if len(text) > MAX_RULES:
        raise UserError(N_("Keep the ground rules under {n} characters."), n=MAX_RULES)
    previous = await repos.current_rules(sc.session, circle.id)
    version = RuleVersion(
        circle_id=circle.id,
        version=(previous.version + 1) if previous else 1,
        text=text,
        created_at=sc.now(),
        created_by=sc.actor,
    )
    sc.session.add(version)
    await sc.session.flush()
    if circle.channel_id:
        heading = translate(
            N_(
                "Ground rules of {circle} (version {version}). Read them, then press the button "
                "to agree; you can post in this channel once you have agreed."
            ),
            circle.language,
            circle=circle.name,
            version=version.version,
        )
        message = Message(f"{heading}\n\n{text}", (agree_button(circle, version.version),))
        channel = circle.channel_id
        posted = version.message_id = await sc.port.post(sc.workspace, channel, message)
        # Rolled back: the new version must not stay posted and pinned (deleting unpins it).
        sc.effects.undo(
            f"rules.post:{posted}", lambda: sc.port.delete_message(sc.workspace, channel, posted)
        )
        await sc.port.pin(sc.workspace, channel, posted)
    return version


async def edit(sc: Scope, circle: Circle, text: str) -> RuleVersion:
    """A new version: everyone but its author must agree again before posting, and each of
    them gets the new rules with the agree button in a direct message."""
    version = await publish(sc, circle, text)
    await record_agreement(sc, circle, sc.actor, version.version)
    stage = await stages.current(sc.session, circle.id)
    note = translate(
        N_(
            "The ground rules of {circle} have changed (version {version}). Please read them "
            "and agree again; until then you can read the circle's channel but not post."
        ),
        circle.language,
        circle=circle.name,
        version=version.version,
    )
    message = Message(f"{note}\n\n{version.text}", (agree_button(circle, version.version),))
    for m in await repos.memberships(sc.session, circle.id):
        if m.user_id != sc.actor:
            await apply_access(sc, circle, m, agreed=False, stage=stage)
            if m.role != Role.MENTOR:
                await notices.tell(sc, m.user_id, message, circle=circle)
    repos.audit(
        sc.session, sc.now(), circle.id, sc.actor, "rules.edit", detail=str(version.version)
    )
    return version


async def agree(sc: Scope, circle: Circle, m: Membership | None, version: int | None) -> int:
    """Record agreement to the current version and open posting. Returns the version agreed."""
    if m is None or m.status != Status.ACTIVE:
        raise UserError(
            N_("You are not a member of {circle} yet. Ask to join with /circle join {circle}."),
            circle=circle.name,
        )
    current = await repos.current_rules(sc.session, circle.id)
    if current is None:
        raise UserError(N_("{circle} has no ground rules yet."), circle=circle.name)
    if version is not None and version != current.version:
        raise UserError(
            N_(
                "The ground rules have changed since that message (now version {version}). Read "
                "them with /circle rules show, then agree."
            ),
            version=current.version,
        )
    if not await repos.has_agreed(sc.session, circle.id, sc.actor, current.version):
        await record_agreement(sc, circle, sc.actor, current.version)
    stage = await stages.current(sc.session, circle.id)
    await apply_access(sc, circle, m, agreed=True, stage=stage)
    return current.version


async def record_agreement(sc: Scope, circle: Circle, user: str, version: int) -> None:
    if await repos.has_agreed(sc.session, circle.id, user, version):
        return
    sc.session.add(
        RuleAgreement(circle_id=circle.id, user_id=user, version=version, agreed_at=sc.now())
    )
    repos.audit(sc.session, sc.now(), circle.id, user, "rules.agree", detail=str(version))


async def apply_access(
    sc: Scope, circle: Circle, m: Membership, *, agreed: bool, stage: Stage
) -> None:
    if circle.channel_id:
        invited = m.role == Role.MENTOR and (
            await invited_until(sc.session, circle.id, m.user_id, sc.now()) is not None
        )
        access = access_for(m, agreed, stage, invited=invited)
        await set_access(sc, circle, m.user_id, access)


async def set_access(sc: Scope, circle: Circle, user: str, access: Access) -> None:
    """Change a person's channel access; if the command then rolls back, their access goes
    back to what the (rolled back) database says."""
    if not circle.channel_id:
        return
    circle_id = circle.id
    sc.effects.undo(
        f"access:{circle.channel_id}:{user}", lambda: restore_access(sc, circle_id, user)
    )
    await sc.port.set_access(sc.workspace, circle.channel_id, user, access)


async def restore_access(sc: Scope, circle_id: int, user: str) -> None:
    """Set the person's access from the committed database (used after a rollback)."""
    async with sc.core.sessions() as s:
        circle = await s.get(Circle, circle_id)
        if circle is None or not circle.channel_id:
            return  # the circle itself was rolled back; its channel is removed with it
        fresh = Scope(s, sc.core, sc.port, sc.platform, sc.workspace, sc.actor)
        m = await repos.membership(s, circle_id, user)
        access = Access.NONE
        if m is not None:
            invited = m.role == Role.MENTOR and (
                await invited_until(s, circle_id, user, sc.now()) is not None
            )
            agreed = await agreed_now(fresh, circle, user)
            stage = await stages.current(s, circle_id)
            access = access_for(m, agreed, stage, invited=invited)
        await sc.port.set_access(sc.workspace, circle.channel_id, user, access)


async def agreed_now(sc: Scope, circle: Circle, user: str) -> bool:
    current = await repos.current_rules(sc.session, circle.id)
    return current is not None and await repos.has_agreed(
        sc.session, circle.id, user, current.version
    )
