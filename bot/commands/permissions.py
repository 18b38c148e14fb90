"""Who may run a declared command, given the person's role in the circle it acts on."""

from __future__ import annotations

from bot.commands.spec import CommandSpec, Who
from storage.models import Membership, Role, Status


def may_run(spec: CommandSpec, is_organizer: bool, m: Membership | None) -> bool:
    if is_organizer or Who.ANYONE in spec.who:
        return True
    if m is None or m.status != Status.ACTIVE:
        return False
    return (
        Who.MEMBER in spec.who
        or (Who.LEADER in spec.who and m.role == Role.LEADER)
        or (Who.MENTOR in spec.who and m.role == Role.MENTOR)
    )
