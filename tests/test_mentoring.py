"""The mentor's phase-out: stages and history, channel access, invitations, nudges, reconvening."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from bot.port import Access
from storage.models import AuditEvent, DeliveryStatus, StagePlan
from tests.harness import Harness
from tests.mentor_support import (
    CH,
    START,
    can_view_and_post,
    circle_id,
    deliveries,
    dms_to,
    make_circle,
    mentor_level,
    posts_in,
    press,
    run_due,
)


async def audit_count(h: Harness) -> int:
    async with h.core.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(AuditEvent))).scalar_one())


async def test_every_transition_changes_the_mentors_access(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        assert can_view_and_post(h)  # facilitating

        h.clock.advance(timedelta(weeks=8))
        r = await h.run("maya", '/circle mentor stage advance reason:"leaders run the rounds"')
        assert "moved from facilitating to observing" in r.text
        assert "@maya can view and post" in r.text
        assert can_view_and_post(h)
        assert "observing stage" in posts_in(h)[-1].text  # the circle is told

        h.clock.advance(timedelta(weeks=12))
        r = await h.run("maya", "/circle mentor stage advance")
        assert "from observing to on_call" in r.text
        assert mentor_level(h) == Access.NONE
        assert "/circle consult" in posts_in(h)[-1].text

        h.clock.advance(timedelta(weeks=14))
        r = await h.run("organizer", "/circle mentor stage advance circle:#1 all went well")
        assert "from on_call to graduated" in r.text
        assert mentor_level(h) == Access.NONE

        # Going back (set) restores access; setting skips stages forward too.
        r = await h.run("maya", '/circle mentor stage set observing reason:"a member asked"')
        assert "from graduated to observing" in r.text
        assert can_view_and_post(h)
        await h.run("maya", "/circle mentor stage set graduated")
        assert mentor_level(h) == Access.NONE
        await h.run("maya", "/circle mentor stage set facilitating")
        assert can_view_and_post(h)

        shown = await h.run("maya", "/circle mentor stage")
        text = shown.text
        assert "now facilitating" in text
        assert "- observing: planned 2026-04-27, not begun" in text  # later stages reset
        assert "@maya: facilitating → observing (reason: leaders run the rounds)" in text
        assert "@organizer: on_call → graduated (reason: all went well)" in text
        assert "graduated → observing (reason: a member asked)" in text
        assert text.count("→") == 6


async def test_bad_stage_input_changes_nothing(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        before = await audit_count(h)
        r = await h.run("maya", "/circle mentor stage set")
        assert "Say which stage" in r.text
        r = await h.run("maya", "/circle mentor stage set facilitating")
        assert "already in the facilitating stage" in r.text
        r = await h.run("maya", "/circle mentor stage set sideways")
        assert "Say which stage" in r.text  # "sideways" is taken as the reason
        r = await h.run("maya", "/circle mentor stage plan observing")
        assert "planned:YYYY-MM-DD" in r.text
        r = await h.run("maya", "/circle mentor stage advance reason:" + "x" * 201)
        assert "200 characters" in r.text
        r = await h.run("ana", "/circle mentor stage advance")
        assert "Only these people" in r.text
        r = await h.run("lee", "/circle mentor stage advance")
        assert "Only these people" in r.text
        assert await audit_count(h) == before
        assert can_view_and_post(h)


async def test_plan_moves_a_stage_date_and_its_nudge(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        r = await h.run("maya", "/circle mentor stage plan observing planned:2026-05-11 slower")
        assert "now planned for 2026-05-11" in r.text
        [nudge] = await deliveries(h, "stage-nudge:")
        assert nudge.kind == "stage-nudge:observing"
        assert nudge.due_at == START + timedelta(days=70)
        shown = await h.run("maya", "/circle mentor stage")
        assert "planned observing anew (reason: slower)" in shown.text


async def test_invite_expires_across_a_restart(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("maya", "/circle mentor stage set on_call")
        assert mentor_level(h) == Access.NONE

        r = await h.run("ana", "/circle mentor invite")
        assert "Only these people" in r.text
        r = await h.run("lee", "/circle mentor invite hours:0")
        assert "from 1 to 168" in r.text
        assert mentor_level(h) == Access.NONE

        r = await h.run("lee", "/circle mentor invite hours:3")
        assert "@maya can view and post" in r.text
        assert can_view_and_post(h)
        assert "invited you back" in dms_to(h, "maya")[-1].text
        platform_state = {ch: dict(people) for ch, people in h.port.channels.items()}

    # The bot restarts: only the database remembers the invitation.
    async with Harness(db_url, START + timedelta(hours=2)) as h2:
        h2.port.channels.update(platform_state)  # the platform keeps its channel permissions
        await run_due(h2)
        assert can_view_and_post(h2)  # not yet

        h2.clock.advance(timedelta(hours=1, minutes=1))
        assert await run_due(h2) == 1
        assert mentor_level(h2) == Access.NONE
        assert "invitation into the channel of Tuesday circle has ended" in "\n".join(h2.out)
        [row] = await deliveries(h2, "mentor-access:")
        assert row.status == DeliveryStatus.SENT
        assert await run_due(h2) == 0


async def test_invite_survives_a_rules_edit_and_ends_with_a_stage_change(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("maya", "/circle mentor stage set on_call")
        r = await h.run("maya", "/circle mentor invite")
        assert "Only these people" in r.text  # leaders invite, not the mentor
        await h.run("lee", "/circle mentor invite")
        await h.run("lee", '/circle rules edit "1. Be kind."')
        assert can_view_and_post(h)  # a new rules version does not cut an invitation short
        await h.run("maya", "/circle mentor stage set graduated")
        assert mentor_level(h) == Access.NONE
        [row] = await deliveries(h, "mentor-access:")
        assert row.status == DeliveryStatus.CANCELLED
        r = await h.run("maya", "/circle mentor stage set observing")
        r = await h.run("lee", "/circle mentor invite")
        assert "already takes part" in r.text


async def test_nudge_when_a_stage_is_due_and_a_person_decides(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        cid = await circle_id(h)
        h.clock.advance(timedelta(weeks=8) - timedelta(minutes=1))
        assert await run_due(h) == 0
        h.clock.advance(timedelta(minutes=2))
        assert await run_due(h) == 1
        [nudge] = dms_to(h, "maya")[-1:]
        assert "The observing stage of Tuesday circle was planned to begin now" in nudge.text
        assert "Meetings run by leaders in this stage: 0 of 0" in nudge.text
        assert "Ground rules agreed: 0/3" in nudge.text
        assert "Open consult requests: 0" in nudge.text
        assert nudge.buttons[0].command == f"mentor stage set observing circle:#{cid}"
        # Nothing changes by itself: the mentor still facilitates until someone decides.
        assert "now facilitating" in (await h.run("maya", "/circle mentor stage")).text

        r = await press(h, "maya", nudge.buttons[0].command)
        assert "from facilitating to observing" in r.text
        pending = [d for d in await deliveries(h, "stage-nudge:") if d.status == "pending"]
        assert [(d.kind, d.due_at) for d in pending] == [
            ("stage-nudge:on_call", START + timedelta(weeks=20))
        ]


async def test_nudge_skipped_when_the_circle_moved_on(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        h.clock.advance(timedelta(weeks=3))
        await h.run("maya", "/circle mentor stage advance early")
        h.clock.advance(timedelta(weeks=5, minutes=1))
        await run_due(h)
        assert not any("planned to begin now" in m.text for m in dms_to(h, "maya"))
        rows = await deliveries(h, "stage-nudge:observing")
        assert [r.status for r in rows] == [DeliveryStatus.SKIPPED]


async def test_graduation_invites_the_circle_to_reconvene(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        r = await h.run("maya", "/circle mentor stage set graduated")
        assert "reconvening is planned 4 months from now" in r.text
        assert "reconvene on Thu 2026-07-02 17:00 UTC" in posts_in(h)[-1].text
        rows = await deliveries(h, "reconvene:")
        when = START + relativedelta(months=4)
        assert sorted(r.kind for r in rows) == [
            "reconvene:ana",
            "reconvene:ben",
            "reconvene:channel",
            "reconvene:lee",
            "reconvene:maya",
        ]
        assert {r.occurrence for r in rows} == {when}
        assert {r.due_at for r in rows} == {when - timedelta(days=7)}

        # Someone joining after graduation was not in the circle that graduated.
        await h.run("lee", "/circle add @cara")
        h.clock.set(when - timedelta(days=7))
        await run_due(h)
        rows = await deliveries(h, "reconvene:")
        assert {r.status for r in rows} == {DeliveryStatus.SENT}
        for person in ("ana", "ben", "lee"):
            assert "reconvenes on Thu 2026-07-02 17:00 UTC" in dms_to(h, person)[-1].text
        assert "A leader can invite you" in dms_to(h, "maya")[-1].text
        assert not any("reconvenes" in m.text for m in dms_to(h, "cara"))
        assert "reconvenes on" in posts_in(h)[-1].text


async def test_going_back_from_graduation_cancels_the_reconvening(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await make_circle(h)
        await h.run("maya", "/circle mentor stage set graduated")
        h.clock.advance(timedelta(days=1))
        await h.run("maya", "/circle mentor stage set on_call not finished yet")
        rows = await deliveries(h, "reconvene:")
        assert {r.status for r in rows} == {DeliveryStatus.CANCELLED}
        async with h.core.sessions() as s:
            started = {
                p.stage: p.started_at for p in (await s.execute(select(StagePlan))).scalars()
            }
        assert started["graduated"] is None
        assert started["on_call"] == START + timedelta(days=1)


async def test_stage_channel_notes_and_invite_need_a_mentor(db_url: str) -> None:
    async with Harness(db_url, START) as h:
        await h.run("organizer", '/circle create "Tuesday circle" leader:@lee')
        r = await h.run("lee", "/circle mentor invite")
        assert "has no mentor" in r.text
        assert CH in h.port.channels
