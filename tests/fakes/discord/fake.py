"""``FakeDiscord``: the resource modules of this package put together, with the guild built.

Each resource (gateway, guild, channels, permissions, messages, pins, commands, interactions,
people acting, rate limits) is a mixin over :class:`~tests.fakes.discord.state.DiscordState`
that declares the REST routes it serves (``@serves``); ``Server`` finds them.
"""

from __future__ import annotations

from tests.fakes.discord.channels import Channels
from tests.fakes.discord.constants import DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS
from tests.fakes.discord.events import Events
from tests.fakes.discord.guild import Guild
from tests.fakes.discord.people import People
from tests.fakes.discord.pins import Pins
from tests.fakes.discord.server import Server


class FakeDiscord(Server, People, Events, Pins, Guild, Channels):
    """One guild with the bot and its owner in it, and a #general channel."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token.circlekeeper.tests",
        bot_name: str = "circlekeeper",
        guild_name: str = "Healing Circles",
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        privileged_intents: int = 0,
        heartbeat_interval: float = 41.25,
        interaction_deadline: float = 3.0,
        enforce_rate_limits: bool = True,
        check_spec: bool = True,
    ) -> None:
        super().__init__(
            token=token,
            privileged_intents=privileged_intents,
            heartbeat_interval=heartbeat_interval,
            interaction_deadline=interaction_deadline,
            enforce_rate_limits=enforce_rate_limits,
            check_spec=check_spec,
        )
        # the guild
        self.guild_id = self.snowflake()
        self.owner_id = self.add_user("owner")
        self.guild = {
            "id": self.guild_id,
            "name": guild_name,
            "owner_id": self.owner_id,
            "preferred_locale": "en-US",
        }
        self.roles[self.guild_id] = self._role_obj(
            self.guild_id, "@everyone", everyone_permissions, 0
        )
        self._add_member_obj(self.owner_id)
        self.bot_user_id = self.add_user(bot_name, bot=True)
        self.bot_role_id = self.add_role(bot_name, bot_permissions, managed=True)
        self._add_member_obj(self.bot_user_id, [self.bot_role_id])
        self.general_channel_id = self.add_channel("general")

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
