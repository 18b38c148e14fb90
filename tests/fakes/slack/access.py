"""The checks every Web API method makes: required arguments, scopes, and what the bot
may see (a private channel or DM without the bot in it is ``channel_not_found``)."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.slack.args import MAX_TEXT, SlackApiError, _as_json
from tests.fakes.slack.blocks import validate_blocks
from tests.fakes.slack.records import Channel, Message, Team, User
from tests.fakes.slack.state import SlackState


class Access(SlackState):
    """Shared lookups and checks that answer with Slack's own error codes."""

    @staticmethod
    def _require(params: dict[str, Any], *names: str) -> None:
        for name in names:
            value = params.get(name)
            if value is None or value == "":
                raise SlackApiError(
                    "invalid_arguments",
                    response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
                )

    @staticmethod
    def _scope(team: Team, needed: str) -> None:
        if needed not in team.scopes:
            raise SlackApiError(
                "missing_scope", needed=needed, provided=",".join(sorted(team.scopes))
            )

    def _user(self, team: Team, user_id: Any) -> User:
        user = self.users.get(str(user_id))
        if user is None or user.team_id != team.id:
            raise SlackApiError("user_not_found")
        return user

    def _channel(self, team: Team, channel_id: Any) -> Channel:
        """A channel the bot can see: public, or private/DM with the bot in it."""
        channel = self.channels.get(str(channel_id))
        if channel is None or channel.team_id != team.id:
            raise SlackApiError("channel_not_found")
        if (channel.is_private or channel.is_im) and team.bot_user_id not in channel.members:
            raise SlackApiError("channel_not_found")
        return channel

    def _resolve_post_channel(self, team: Team, channel_id: Any) -> Channel:
        """chat.postMessage also takes a user ID and then posts in the DM with that person."""
        cid = str(channel_id)
        if cid.startswith(("U", "W")) and cid in self.users:
            user = self._user(team, cid)
            return self._open_im(team, user)
        channel = self._channel(team, cid)
        if channel.is_archived:
            raise SlackApiError("is_archived")
        if team.bot_user_id not in channel.members:
            raise SlackApiError("not_in_channel")
        return channel

    def _open_im(self, team: Team, user: User) -> Channel:
        for channel in self.channels.values():
            if channel.is_im and channel.im_user == user.id and channel.team_id == team.id:
                return channel
        cid = self._id("D")
        channel = Channel(
            cid,
            team.id,
            "",
            is_private=True,
            is_im=True,
            im_user=user.id,
            members={user.id, team.bot_user_id},
            created=int(time.time()),
        )
        self.channels[cid] = channel
        return channel

    def _message(self, channel: Channel, ts: Any) -> Message:
        for message in self.messages:
            if message.channel == channel.id and message.ts == str(ts) and not message.deleted:
                return message
        raise SlackApiError("message_not_found")

    def _check_message_content(
        self, params: dict[str, Any], *, need_text: bool = True
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        text = params.get("text")
        blocks = params.get("blocks")
        if blocks is not None:
            blocks = _as_json(blocks, "invalid_blocks_format")
            problems = validate_blocks(blocks)
            if problems:
                raise SlackApiError(
                    "invalid_blocks",
                    errors=problems,
                    response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
                )
        if need_text and not text and not blocks and not params.get("attachments"):
            raise SlackApiError("no_text")
        if text is not None and len(str(text)) > MAX_TEXT:
            raise SlackApiError("msg_too_long")
        if blocks and not text:
            self.warnings.append("missing_text_or_fallback_or_attachments")
        return (None if text is None else str(text)), blocks
