"""Issue 9, item 2: typed consult lines never turn an anonymous request into a named one.

Replayed through the console session (the line a person types). Before the fix,
``consult "I need help" anonymous:yes circle:"T circle"`` went out *named*, with
``anonymous:yes circle:T circle`` inside the text, because the positional words swallowed the
rest of the line.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.models import Consult
from tests.harness import Harness
from tests.test_bad_input import snapshot

START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)

ANONYMOUS = [
    'consult "I need help" anonymous:yes circle:"T circle"',
    'consult I need help anonymous:yes circle:"T circle"',
    'consult I need help anonymous: yes circle:"T circle"',
    'consult I need help anonymous=yes circle:"T circle"',
    'consult I need help anonymous:YES. circle:"T circle"',
    'consult circle:"T circle" I need help anonymous:yes.',
    'consult circle:"T circle" anonymous:yes "I need help"',
    "consult I need help circle:“T circle” anonymous:sí",
]
REFUSED = [
    'consult I need help anonymous circle:"T circle"',
    'consult I need help anonymously circle:"T circle"',
    'consult "I need help" anonymous circle:"T circle"',
    'consult I need help, anonymous. circle:"T circle"',
    'consult I need help anonymus:yes circle:"T circle"',
    'consult I need help anon:yes circle:"T circle"',
    'consult I need help anonymous:yess circle:"T circle"',
    'consult I need help "anonymous":yes circle:"T circle"',
    'consult I need help anonymous: circle:"T circle"',
    "consult I need help anonymous:yes circle:T circle",
]


async def _world(h: Harness) -> None:
    for who, line in (
        ("organizer", '/circle create "T circle" leader:@lee mentor:@maya'),
        ("organizer", '/circle create "Other circle" leader:@lena mentor:@fay'),
        ("lee", "/circle add @ana"),
        ("lena", "/circle add @ana"),
    ):
        await h.console.line(f"{who}: {line}")


def _dms(h: Harness, user: str) -> list[str]:
    return [m.text for where, m in h.port.messages.values() if where == f"DM {user}"]


@pytest.mark.parametrize("line", ANONYMOUS)
async def test_anonymous_lines_stay_anonymous_and_reach_that_circle(db_url: str, line: str) -> None:
    async with Harness(db_url, START) as h:
        await _world(h)
        before_fay = len(_dms(h, "fay"))
        h.out.clear()
        await h.console.line(f"ana: /circle {line}")
        transcript = "\n".join(h.out)
        assert "without your name" in transcript, transcript
        [dm] = _dms(h, "maya")[-1:]
        assert "anonymous consult request from someone in T circle" in dm
        assert "I need help" in dm.splitlines()  # the words alone: no options inside the text
        assert "@ana" not in dm and "anonymous:" not in dm
        assert len(_dms(h, "fay")) == before_fay  # not the other circle's mentor
        async with h.core.sessions() as s:
            [consult] = (await s.execute(select(Consult))).scalars().all()
        assert consult.asker_id is None and consult.mentor_id == "maya"


@pytest.mark.parametrize("line", REFUSED)
async def test_unclear_lines_are_refused_and_send_nothing(db_url: str, line: str) -> None:
    async with Harness(db_url, START) as h:
        await _world(h)
        before = await snapshot(h)
        sent = len(h.port.messages)
        h.out.clear()
        await h.console.line(f"ana: /circle {line}")
        assert len(h.port.messages) == sent, h.out  # no DM to anyone, named or not
        assert await snapshot(h) == before
        reply = "\n".join(h.out)
        assert "(only you)" in reply and "Something went wrong" not in reply, reply


async def test_on_slack_the_typed_line_is_anonymous_and_a_bare_flag_sends_nothing(
    db_url: str,
) -> None:
    """The same attack through the real slack-bolt app against the fake Slack Web API."""
    from tests.fakes.slack.world import SlackWorld

    async with SlackWorld(db_url) as w:
        org, lee, maya = w.person("olga", admin=True), w.person("lee"), w.person("maya")
        ana = w.person("ana")
        await w.circle(org, f'create "T circle" leader:{w.tag(lee)} mentor:{w.tag(maya)}')
        await w.circle(lee, f'add {w.tag(ana)} circle:"T circle"')
        before = len(w.fake.dms_to(maya))
        refused = await w.circle(ana, 'consult I need help anonymously circle:"T circle"')
        assert refused.ephemeral and "write anonymous:yes" in refused.text
        assert len(w.fake.dms_to(maya)) == before
        reply = await w.circle(ana, 'consult “I need help” anonymous:yes circle:"T circle"')
        assert "without your name" in reply.text
        await w.fake.wait_until(lambda: len(w.fake.dms_to(maya)) > before)
        [dm] = w.fake.dms_to(maya)[before:]
        text = dm.text or ""
        assert "anonymous consult request from someone in T circle" in text
        assert "I need help" in text.splitlines()  # the words alone, no options inside
        assert ana not in text and "anonymous:yes" not in text
