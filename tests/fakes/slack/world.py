"""A whole circlekeeper on Slack for tests: the real adapter (slack-bolt + slack_sdk) serving
``/slack/events`` on loopback, the fake Slack Web API, and a signed-request driver."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.config import Environment, FileSettings, Settings
from bot.core.clock import ManualClock
from bot.core.runtime import Core
from bot.platforms.slack import SlackAdapter, SlackConfig
from bot.wiring import build_router, start_core
from tests.fakes.slack.driver import Reply, SlackDriver
from tests.fakes.slack.fake import FakeSlack
from tests.fakes.slack.records import Message, ResponsePost, View

SECRET = "circlekeeper-test-signing-secret"
MANIFEST = Path(__file__).resolve().parents[3] / "slack-manifest.yml"


def manifest_bot_scopes() -> frozenset[str]:
    """The bot scopes listed in slack-manifest.yml (a tiny reader for that one list)."""
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    scopes: list[str] = []
    inside = False
    indent = 0
    for line in lines:
        if re.match(r"^\s+bot:\s*$", line):
            inside, indent = True, len(line) - len(line.lstrip())
            continue
        if inside:
            match = re.match(r"^(\s*)-\s*([a-z:.]+)\s*$", line)
            if match and len(match[1]) > indent:
                scopes.append(match[2])
            else:
                break
    return frozenset(scopes)


class SlackWorld:
    """``async with SlackWorld(db_url) as w:`` — people are added with ``w.person(name)``."""

    def __init__(
        self,
        db_url: str,
        *,
        start: datetime | None = None,
        socket_mode: bool = False,
        oauth: bool = False,
        pacing: float = 0.0,
        **file: Any,
    ) -> None:
        self.db_url = db_url
        self.clock = ManualClock(start or datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
        self.socket_mode = socket_mode
        self.oauth = oauth
        self.pacing = pacing
        self.file = file
        self.fake = FakeSlack(scopes=manifest_bot_scopes())
        self.core: Core
        self.adapter: SlackAdapter
        self.driver: SlackDriver
        self.general = ""

    async def __aenter__(self) -> SlackWorld:
        await self.fake.start()
        settings = Settings(
            # Circles in UTC unless a test leaves the default zone unset (``circles={}``).
            file=FileSettings.model_validate({"circles": {"timezone": "UTC"}, **self.file}),
            env=Environment(CIRCLEKEEPER_DATABASE_URL=self.db_url),
        )
        self.core = await start_core(settings, self.clock)
        config = SlackConfig(
            bot_token=None if self.oauth else self.fake.bot_token,
            signing_secret=SECRET,
            app_token=self.fake.app_token if self.socket_mode else None,
            socket_mode=self.socket_mode,
            base_url=self.fake.base_url,
            http_host="127.0.0.1",
            http_port=0,
            client_id=self.fake.client_id if self.oauth else None,
            client_secret=self.fake.client_secret if self.oauth else None,
            pacing=self.pacing,
        )
        self.adapter = SlackAdapter(self.core, build_router(self.core), config)
        await self.adapter.start()
        events_url = None if self.socket_mode else self.adapter.events_url
        self.driver = SlackDriver(self.fake, signing_secret=SECRET, events_url=events_url)
        self.general = self.fake.add_channel("general")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.adapter.stop()
        await self.core.engine.dispose()
        await self.fake.stop()

    def person(self, name: str, *, admin: bool = False, team_id: str | None = None) -> str:
        """A person of the main workspace (in #general), or of another one."""
        uid = self.fake.add_user(name, is_admin=admin, team_id=team_id)
        if team_id is None:
            self.fake.channels[self.general].members.add(uid)
        return uid

    def tag(self, user: str) -> str:
        """How Slack hands over a mention typed in /circle text (should_escape: true)."""
        return f"<@{user}|{self.fake.users[user].name}>"

    async def circle(self, user: str, text: str, *, channel: str | None = None) -> ResponsePost:
        """Type ``/circle text`` and wait for the reply sent through response_url."""
        before = len(self.fake.responses_for(user))
        reply = await self.driver.slash(user, text, channel_id=channel or self.general)
        assert reply.status == 200, reply
        await self.fake.wait_until(lambda: len(self.fake.responses_for(user)) > before)
        return self.fake.responses_for(user)[before]

    async def press(
        self, user: str, target: Message | View | ResponsePost, action_id: str
    ) -> ResponsePost:
        """Press a button on a message and wait for the reply sent through response_url."""
        before = len(self.fake.responses_for(user))
        reply = await self.driver.click(user, target, action_id)
        assert reply.status == 200, reply
        await self.fake.wait_until(lambda: len(self.fake.responses_for(user)) > before)
        return self.fake.responses_for(user)[before]

    async def circle_modal(self, user: str, text: str, *, channel: str | None = None) -> Reply:
        before = len(self.fake.open_modals(user))
        reply = await self.driver.slash(user, text, channel_id=channel or self.general)
        await self.fake.wait_until(lambda: len(self.fake.open_modals(user)) > before)
        return reply
