"""Shared set-up for the mentor, consult, health and chart tests (issue 4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.commands.context import Invocation
from bot.commands.reply import Reply
from bot.core.ledger import Dispatcher
from bot.port import Access, Message
from storage.models import Base, Circle, Delivery, Meeting
from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # a Monday
CH = "#circle-tuesday-circle"


async def make_circle(h: Harness, members: Iterable[str] = ("ana", "ben")) -> None:
    r = await h.run("organizer", '/circle create "Tuesday circle" leader:@lee mentor:@maya')
    assert "Created" in r.text, r.text
    for person in members:
        r = await h.run("lee", f"/circle add @{person}")
        assert "Added" in r.text, r.text


def mentor_level(h: Harness, user: str = "maya") -> Access:
    """What the chat platform currently lets the person do in the circle channel."""
    return h.port.channels[CH].get(user, Access.NONE)


def can_view_and_post(h: Harness, user: str = "maya") -> bool:
    return mentor_level(h, user) >= Access.POST


async def press(h: Harness, user: str, command: str) -> Reply:
    """Press a button: run its command as the person who pressed it."""
    h.out.clear()
    inv = Invocation("console", "console", user)
    return (await h.router.run_text(inv, "/circle " + command)).reply


async def run_due(h: Harness) -> int:
    h.out.clear()
    return await Dispatcher(h.core).run_due()


def dms_to(h: Harness, user: str) -> list[Message]:
    return [m for where, m in h.port.messages.values() if where == f"DM {user}"]


def posts_in(h: Harness, channel: str = CH) -> list[Message]:
    return [m for where, m in h.port.messages.values() if where == channel]


async def circle_id(h: Harness) -> int:
    async with h.core.sessions() as s:
        return (await s.execute(select(Circle.id))).scalars().one()


async def deliveries(h: Harness, prefix: str) -> list[Delivery]:
    async with h.core.sessions() as s:
        stmt = select(Delivery).where(Delivery.kind.startswith(prefix)).order_by(Delivery.id)
        return list((await s.execute(stmt)).scalars())


async def add_meetings(
    h: Harness, rows: Iterable[tuple[datetime, int, int, str]], cid: int | None = None
) -> None:
    """Meetings that took place: (start, present, expected, run by role)."""
    cid = cid if cid is not None else await circle_id(h)
    async with h.core.sessions() as s, s.begin():
        for when, present, expected, role in rows:
            s.add(
                Meeting(
                    circle_id=cid,
                    occurrence=when,
                    run_by_role=role,
                    present_count=present,
                    expected_count=expected,
                    recorded_at=when + timedelta(hours=2),
                )
            )


async def every_cell(h: Harness) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, as plain tuples."""
    out: dict[str, list[tuple[object, ...]]] = {}
    async with h.core.sessions() as s:
        for table in Base.metadata.sorted_tables:
            out[table.name] = [tuple(r) for r in (await s.execute(select(table))).all()]
    return out
