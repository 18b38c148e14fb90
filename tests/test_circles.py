"""Circles and membership through the command layer, as people would type them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.platforms.console.port import ConsolePort
from storage.models import AuditEvent, Circle, Membership
from tests.harness import Harness

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
CH = "#circle-tuesday-circle"


async def make(h: Harness, max_size: int = 7) -> None:
    r = await h.run(
        "organizer",
        f'/circle create "Tuesday circle" leader:@lee mentor:@maya max_size:{max_size}',
    )
    assert "Created" in r.text


async def test_create_makes_private_channel_with_pinned_rules(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make(h)
        assert CH in h.port.channels
        # Only the people added have any access; the rules message is pinned.
        assert set(h.port.channels[CH]) == {"lee", "maya"}
        assert h.access(CH, "lee") == "view"
        assert h.access(CH, "maya") == "manage"  # mentor while facilitating
        pinned = h.port.pins[CH]
        channel, message = h.port.messages[pinned[0]]
        assert channel == CH and "Ground rules" in message.text
        assert message.buttons[0].command.startswith("rules agree version:1")


async def test_waitlist_and_promotion(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make(h, max_size=3)
        await h.run("lee", "/circle add @ana")
        await h.run("lee", "/circle add @ben")
        r = await h.run("lee", "/circle add @cara")
        assert "waitlist" in r.text
        r = await h.run("lee", "/circle add @dev")
        assert "waitlist" in r.text
        assert h.access(CH, "cara") == "none"
        info = await h.run("ana", "/circle info")
        assert "Seats: 3 of 3" in info.text and "waitlist: 2" in info.text
        r = await h.run("lee", "/circle remove @ben")
        assert "@cara moved up" in r.text
        assert any("[DM cara] A seat opened in Tuesday circle" in line for line in h.out)
        assert h.access(CH, "cara") == "view"
        assert h.access(CH, "ben") == "none"
        assert h.access(CH, "dev") == "none"  # still waiting, second in line
        await h.run("cara", "/circle leave")
        assert h.access(CH, "dev") == "view"


async def test_role_checks(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make(h)
        await h.run("lee", "/circle add @ana")
        refused = await h.run("ana", "/circle add @ben")
        assert refused.private and "Only these people can run /circle add" in refused.text
        assert h.out == []  # nothing posted, no access changed
        refused = await h.run("ana", '/circle create "Other circle"')
        assert "Only these people can run /circle create" in refused.text
        refused = await h.run("ana", "/circle list")
        assert "Only these people" in refused.text
        refused = await h.run("ben", '/circle info circle:"Tuesday circle"')
        assert "Only these people" in refused.text
        # The mentor lists their circles; the organizer lists all.
        assert "Tuesday circle" in (await h.run("maya", "/circle list")).text
        assert "Tuesday circle: 2/7" in (await h.run("organizer", "/circle list")).text
        # A leader promotes a member to leader.
        r = await h.run("lee", "/circle add @ana role:leader")
        assert "now a leader" in r.text
        assert "Added @ben" in (await h.run("ana", "/circle add @ben")).text


async def test_join_request_needs_a_leader(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make(h)
        r = await h.run("eve", '/circle join "Tuesday circle"')
        assert "sent to its leaders" in r.text
        assert any(line.startswith("  [DM lee] @eve asks to join") for line in h.out)
        approve = next(line for line in h.out if "[button: Approve" in line)
        assert "/circle add @eve circle:#1" in approve
        assert h.access(CH, "eve") == "none"
        again = await h.run("eve", '/circle join "Tuesday circle"')
        assert "already asked" in again.text
        # The leader presses Approve: the button's command runs as the leader.
        r = await h.run("lee", "/circle add @eve circle:#1")
        assert "Added @eve" in r.text
        assert h.access(CH, "eve") == "view"


async def test_audit_names_ids_only(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make(h)
        await h.run("lee", "/circle add @ana")
        async with h.core.sessions() as s:
            events = (await s.execute(select(AuditEvent))).scalars().all()
            rows = {(e.action, e.actor_id, e.target_id) for e in events}
            assert ("circle.create", "organizer", None) in rows
            assert ("member.active", "lee", "ana") in rows
            stmt = select(Membership).where(Membership.user_id == "ana")
            m = (await s.execute(stmt)).scalar_one()
            assert (m.role, m.status) == ("member", "active")


class BrokenPinPort(ConsolePort):
    """A platform whose pin call fails with a network error halfway through ``create``."""

    async def pin(self, workspace: str, channel: str, message_id: str) -> None:
        raise ConnectionResetError("platform connection reset")


async def test_unexpected_failure_is_rolled_back_and_reported(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        h.core.ports["console"] = BrokenPinPort(h.out.append, ["organizer", "lee"])
        broken = h.core.ports["console"]
        r = await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        assert r.private and r.text.startswith("Something went wrong on the bot's side")
        async with h.core.sessions() as s:
            assert (await s.execute(select(Circle))).first() is None
        assert "  [#circle-tuesday-circle] channel removed" in h.out
        assert isinstance(broken, ConsolePort) and broken.channels == {}
        h.core.ports["console"] = h.port
        r = await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        assert "Created" in r.text
