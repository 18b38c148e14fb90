"""The console platform's world: its people, channels, access, pins and message counter."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsoleAccess, ConsoleChannel, ConsoleCounter, ConsolePerson, ConsolePin

MESSAGES = "messages"


@dataclass
class World:
    people: set[str] = field(default_factory=set)
    access: dict[str, dict[str, int]] = field(default_factory=dict)  # channel → person → level
    pins: dict[str, list[str]] = field(default_factory=dict)
    messages: int = 0  # the last message number used


async def load(s: AsyncSession) -> World:
    world = World()
    world.people = set((await s.execute(select(ConsolePerson.name))).scalars())
    for channel in (await s.execute(select(ConsoleChannel.channel))).scalars():
        world.access[channel] = {}
    for row in (await s.execute(select(ConsoleAccess))).scalars():
        world.access.setdefault(row.channel, {})[row.person] = row.level
    for pin in (await s.execute(select(ConsolePin).order_by(ConsolePin.id))).scalars():
        world.pins.setdefault(pin.channel, []).append(pin.message_id)
    counter = await s.get(ConsoleCounter, MESSAGES)
    world.messages = counter.value if counter is not None else 0
    return world


async def add_person(s: AsyncSession, name: str) -> None:
    if await s.get(ConsolePerson, name) is None:
        s.add(ConsolePerson(name=name))


async def add_channel(s: AsyncSession, channel: str) -> None:
    if await s.get(ConsoleChannel, channel) is None:
        s.add(ConsoleChannel(channel=channel))
        await s.flush()


async def remove_channel(s: AsyncSession, channel: str) -> None:
    await s.execute(delete(ConsoleAccess).where(ConsoleAccess.channel == channel))
    await s.execute(delete(ConsolePin).where(ConsolePin.channel == channel))
    await s.execute(delete(ConsoleChannel).where(ConsoleChannel.channel == channel))


async def set_access(s: AsyncSession, channel: str, person: str, level: int) -> None:
    await add_channel(s, channel)
    row = await s.get(ConsoleAccess, (channel, person))
    if level == 0:
        if row is not None:
            await s.delete(row)
    elif row is None:
        s.add(ConsoleAccess(channel=channel, person=person, level=level))
    else:
        row.level = level


async def add_pin(s: AsyncSession, channel: str, message_id: str) -> None:
    await add_channel(s, channel)
    s.add(ConsolePin(channel=channel, message_id=message_id))


async def set_messages(s: AsyncSession, value: int) -> None:
    row = await s.get(ConsoleCounter, MESSAGES)
    if row is None:
        s.add(ConsoleCounter(name=MESSAGES, value=value))
    else:
        row.value = max(row.value, value)
