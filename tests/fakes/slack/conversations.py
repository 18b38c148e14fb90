"""``conversations.*``: create, invite, kick, members, info, open (DMs), history,
archive, rename, setTopic."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.routing import serves
from tests.fakes.slack.access import Access
from tests.fakes.slack.args import _CHANNEL_NAME, SlackApiError, _as_bool, _as_list
from tests.fakes.slack.records import Channel, Team


class Conversations(Access):
    """Channels and DMs, with the scopes each kind of conversation needs."""

    @serves("conversations.create")
    async def _conversations_create(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        is_private = _as_bool(params.get("is_private", False))
        self._scope(team, "groups:write" if is_private else "channels:manage")
        name = str(params.get("name", ""))
        if not name:
            raise SlackApiError("invalid_name_required")
        if len(name) > 80:
            raise SlackApiError("invalid_name_maxlength")
        if not _CHANNEL_NAME.match(name):
            raise SlackApiError("invalid_name_specials")
        for channel in self.channels.values():
            if channel.team_id == team.id and channel.name == name and not channel.is_im:
                raise SlackApiError("name_taken")
        cid = self._id("C")
        channel = Channel(
            cid,
            team.id,
            name,
            is_private,
            members={team.bot_user_id},
            creator=team.bot_user_id,
            created=int(time.time()),
        )
        self.channels[cid] = channel
        return {"channel": self._channel_api(team, channel)}

    def _channel_api(self, team: Team, channel: Channel) -> dict[str, Any]:
        if channel.is_im:
            return {
                "id": channel.id,
                "is_im": True,
                "user": channel.im_user,
                "created": channel.created,
                "is_open": True,
            }
        return {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not channel.is_private,
            "is_group": channel.is_private,
            "is_im": False,
            "is_private": channel.is_private,
            "is_archived": channel.is_archived,
            "is_member": team.bot_user_id in channel.members,
            "creator": channel.creator,
            "created": channel.created,
            "context_team_id": team.id,
        }

    def _manage_scope(self, team: Team, channel: Channel) -> None:
        self._scope(team, "groups:write" if channel.is_private else "channels:manage")

    @serves("conversations.invite")
    async def _conversations_invite(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "users")
        channel = self._channel(team, params["channel"])
        self._manage_scope(team, channel)
        if channel.is_im:
            raise SlackApiError("method_not_supported_for_channel_type")
        if team.bot_user_id not in channel.members:
            raise SlackApiError("not_in_channel")
        user_ids = _as_list(params["users"])
        if len(user_ids) > 1000:
            raise SlackApiError("too_many_users")
        users = [self._user(team, uid) for uid in user_ids]
        if any(u.id == team.bot_user_id for u in users):
            raise SlackApiError("cant_invite_self")
        new = [u for u in users if u.id not in channel.members]
        if not new:
            raise SlackApiError("already_in_channel")
        channel.members.update(u.id for u in new)
        return {"channel": self._channel_api(team, channel)}

    @serves("conversations.kick")
    async def _conversations_kick(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "user")
        channel = self._channel(team, params["channel"])
        self._manage_scope(team, channel)
        if channel.is_im:
            raise SlackApiError("method_not_supported_for_channel_type")
        user = self._user(team, params["user"])
        if user.id == team.bot_user_id:
            raise SlackApiError("cant_kick_self")
        if team.bot_user_id not in channel.members:
            raise SlackApiError("not_in_channel")
        if user.id not in channel.members:
            raise SlackApiError("not_in_channel")
        channel.members.discard(user.id)
        return {}

    def _read_scope(self, team: Team, channel: Channel, kind: str) -> None:
        if channel.is_im:
            self._scope(team, f"im:{kind}")
        elif channel.is_private:
            self._scope(team, f"groups:{kind}")
        else:
            self._scope(team, f"channels:{kind}")

    @serves("conversations.members")
    async def _conversations_members(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        channel = self._channel(team, params["channel"])
        self._read_scope(team, channel, "read")
        members = sorted(channel.members)
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        page = members[start : start + limit]
        following = start + limit
        cursor = str(following) if following < len(members) else ""
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    @serves("conversations.info")
    async def _conversations_info(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        channel = self._channel(team, params["channel"])
        self._read_scope(team, channel, "read")
        out = self._channel_api(team, channel)
        if _as_bool(params.get("include_num_members", False)):
            out["num_members"] = len(channel.members)
        return {"channel": out}

    @serves("conversations.open")
    async def _conversations_open(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "im:write")
        if params.get("channel"):
            channel = self._channel(team, params["channel"])
            return {"channel": {"id": channel.id}}
        self._require(params, "users")
        user_ids = _as_list(params["users"])
        if len(user_ids) != 1:
            raise SlackApiError("not_supported", detail="the fake opens one-person DMs only")
        user = self._user(team, user_ids[0])
        if user.id == team.bot_user_id:
            raise SlackApiError("cannot_dm_bot")
        existed = self.dm_channel(user.id) is not None
        channel = self._open_im(team, user)
        out: dict[str, Any] = {"channel": {"id": channel.id}}
        if _as_bool(params.get("return_im", False)):
            out["channel"] = self._channel_api(team, channel)
        if existed:
            out["already_open"] = True
            out["no_op"] = True
        return out

    @serves("conversations.history")
    async def _conversations_history(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        channel = self._channel(team, params["channel"])
        self._read_scope(team, channel, "history")
        with_metadata = _as_bool(params.get("include_all_metadata", False))
        oldest = float(params.get("oldest") or 0)
        latest = float(params.get("latest") or time.time() + 3600)
        inclusive = _as_bool(params.get("inclusive", False))
        limit = int(params.get("limit") or 100)

        def within(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        found = [
            m
            for m in reversed(self.messages_in(channel.id))
            if m.thread_ts is None or m.thread_ts == m.ts
            if within(float(m.ts))
        ]
        start = int(params.get("cursor") or 0)
        page = found[start : start + limit]
        has_more = start + limit < len(found)
        return {
            "messages": [m.as_api(with_metadata=with_metadata) for m in page],
            "has_more": has_more,
            "response_metadata": {"next_cursor": str(start + limit) if has_more else ""},
        }

    @serves("conversations.archive")
    async def _conversations_archive(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel")
        channel = self._channel(team, params["channel"])
        self._manage_scope(team, channel)
        if channel.is_archived:
            raise SlackApiError("already_archived")
        channel.is_archived = True
        return {}

    @serves("conversations.rename")
    async def _conversations_rename(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "name")
        channel = self._channel(team, params["channel"])
        self._manage_scope(team, channel)
        name = str(params["name"])
        if not _CHANNEL_NAME.match(name) or len(name) > 80:
            raise SlackApiError("invalid_name_specials")
        if any(
            c.team_id == team.id and c.name == name and c.id != channel.id
            for c in self.channels.values()
        ):
            raise SlackApiError("name_taken")
        channel.name = name
        return {"channel": self._channel_api(team, channel)}

    @serves("conversations.setTopic")
    async def _conversations_set_topic(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "channel", "topic")
        channel = self._channel(team, params["channel"])
        self._manage_scope(team, channel)
        if channel.is_im:
            raise SlackApiError("method_not_supported_for_channel_type")
        if len(str(params["topic"])) > 250:
            raise SlackApiError("too_long")
        channel.topic = str(params["topic"])
        return {"channel": self._channel_api(team, channel)}
