"""The guild, its roles and members, the users, and the application: set-up helpers for tests
and the REST routes that read them."""

from __future__ import annotations

from typing import Any

from tests.fakes.discord.constants import DiscordHTTPError, Intents, _now_iso
from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.permissions import Permissions
from tests.fakes.discord.records import RecordedRequest
from tests.fakes.routing import serves


class Guild(Permissions, Gateway):
    """Roles, members and users; ``@me`` and the application object."""

    def add_user(self, name: str, *, bot: bool = False) -> str:
        uid = self.snowflake()
        self.users[uid] = {
            "id": uid,
            "username": name,
            "discriminator": "0",
            "global_name": None if bot else name.title(),
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
            "flags": 0,
        }
        return uid

    def add_member(
        self, name: str, *, roles: list[str] | tuple[str, ...] = (), bot: bool = False
    ) -> str:
        """A new user who is a member of the guild; returns the user id."""
        uid = self.add_user(name, bot=bot)
        member = self._add_member_obj(uid, list(roles))
        self._fire_guild("GUILD_MEMBER_ADD", {**member, "guild_id": self.guild_id})
        return uid

    def remove_member(self, user_id: str) -> None:
        """The person leaves the server (or is kicked): GUILD_MEMBER_REMOVE, for bots that hold
        the Server Members Intent; their channel overwrites stay, as on Discord."""
        self.members.pop(user_id)
        self._fire_guild(
            "GUILD_MEMBER_REMOVE", {"guild_id": self.guild_id, "user": self.users[user_id]}
        )

    def add_role(self, name: str, permissions: int = 0, *, managed: bool = False) -> str:
        rid = self.snowflake()
        self.roles[rid] = self._role_obj(rid, name, permissions, len(self.roles), managed=managed)
        self._fire_guild("GUILD_ROLE_CREATE", {"guild_id": self.guild_id, "role": self.roles[rid]})
        return rid

    def give_role(self, user_id: str, role_id: str) -> None:
        self.members[user_id]["roles"].append(role_id)
        self._fire_guild(
            "GUILD_MEMBER_UPDATE", {**self.members[user_id], "guild_id": self.guild_id}
        )

    def set_role_permissions(self, role_id: str, permissions: int) -> None:
        self.roles[role_id]["permissions"] = str(permissions)
        self._fire_guild(
            "GUILD_ROLE_UPDATE", {"guild_id": self.guild_id, "role": self.roles[role_id]}
        )

    def set_bot_permissions(self, permissions: int) -> None:
        self.set_role_permissions(self.bot_role_id, permissions)

    def close_dms(self, user_id: str) -> None:
        """The user has turned off DMs from server members: sends fail with 50007."""
        self.closed_dms.add(user_id)

    def _role_obj(
        self, rid: str, name: str, permissions: int, position: int, *, managed: bool = False
    ) -> dict[str, Any]:
        role: dict[str, Any] = {
            "id": rid,
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": managed,
            "mentionable": False,
            "flags": 0,
        }
        if managed:
            role["tags"] = {
                "bot_id": self.users.get(getattr(self, "bot_user_id", ""), {}).get("id")
            }
        return role

    def _add_member_obj(self, uid: str, roles: list[str] | None = None) -> dict[str, Any]:
        member = {
            "user": self.users[uid],
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": list(roles or []),
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        self.members[uid] = member
        return member

    @serves(("GET", "/users/@me"))
    async def _get_me(self, rec: RecordedRequest) -> Any:
        return {
            **self.users[self.bot_user_id],
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
        }

    @serves(("GET", "/users/{user_id}"))
    async def _get_user(self, rec: RecordedRequest, user_id: str) -> Any:
        user = self.users.get(user_id)
        if user is None:
            raise DiscordHTTPError(404, 10013)
        return user

    @serves(("GET", "/users/@me/guilds"))
    async def _my_guilds(self, rec: RecordedRequest) -> Any:
        return [
            {
                "id": self.guild_id,
                "name": self.guild["name"],
                "icon": None,
                "owner": False,
                "permissions": str(self.base_permissions(self.bot_user_id)),
                "features": [],
            }
        ]

    @serves(("GET", "/applications/@me"), ("GET", "/oauth2/applications/@me"))
    async def _get_application(self, rec: RecordedRequest) -> Any:
        return {
            "id": self.application_id,
            "name": self.users[self.bot_user_id]["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": self._app_flags(),
            "owner": self.users[self.owner_id],
            "team": None,
            "bot": self.users[self.bot_user_id],
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": 1,
        }

    @serves(("GET", "/guilds/{guild_id}"))
    async def _get_guild(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        g = self._guild_payload(members=False)
        for k in (
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
            "joined_at",
            "large",
            "unavailable",
            "member_count",
        ):
            g.pop(k, None)
        if rec.query.get("with_counts") in ("true", "1", "True"):
            g["approximate_member_count"] = len(self.members)
            g["approximate_presence_count"] = 0
        return g

    @serves(("GET", "/guilds/{guild_id}/roles"))
    async def _guild_roles(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        return list(self.roles.values())

    @serves(("GET", "/guilds/{guild_id}/members"))
    async def _list_members(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        if not self.privileged_intents & Intents.GUILD_MEMBERS:
            raise DiscordHTTPError(403, 50001)
        return list(self.members.values())

    @serves(("GET", "/guilds/{guild_id}/members/{user_id}"))
    async def _get_member(self, rec: RecordedRequest, guild_id: str, user_id: str) -> Any:
        self._guild(guild_id)
        m = self.members.get(user_id)
        if m is None:
            raise DiscordHTTPError(404, 10007)
        return m
