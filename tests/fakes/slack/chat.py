"""``chat.*``: postMessage (with metadata and threads), postEphemeral, update, delete."""

from __future__ import annotations

from typing import Any

from tests.fakes.routing import serves
from tests.fakes.slack.access import Access
from tests.fakes.slack.args import SlackApiError, _as_json
from tests.fakes.slack.blocks import validate_metadata
from tests.fakes.slack.records import Ephemeral, Message, Team


class Chat(Access):
    """Messages the bot writes, validated like Slack validates them (blocks, length)."""

    @serves("chat.postMessage")
    async def _chat_post_message(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "chat:write")
        self._require(params, "channel")
        channel = self._resolve_post_channel(team, params["channel"])
        text, blocks = self._check_message_content(params)
        metadata = None
        if params.get("metadata") is not None:
            metadata = _as_json(params["metadata"], "invalid_metadata_format")
            problem = validate_metadata(metadata)
            if problem:
                raise SlackApiError(problem)
        thread_ts = params.get("thread_ts")
        if thread_ts:
            self._message(channel, thread_ts)
        message = Message(
            channel.id,
            self._ts(),
            team.bot_user_id,
            text,
            blocks,
            metadata,
            thread_ts=str(thread_ts) if thread_ts else None,
        )
        self.messages.append(message)
        return {
            "channel": channel.id,
            "ts": message.ts,
            "message": {**message.as_api(with_metadata=True), "bot_id": team.bot_id},
        }

    @serves("chat.postEphemeral")
    async def _chat_post_ephemeral(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "chat:write")
        self._require(params, "channel", "user")
        channel = self._channel(team, params["channel"])
        user = self._user(team, params["user"])
        if user.id not in channel.members:
            raise SlackApiError("user_not_in_channel")
        if not channel.is_im and team.bot_user_id not in channel.members:
            raise SlackApiError("not_in_channel")
        text, blocks = self._check_message_content(params)
        ephemeral = Ephemeral(channel.id, user.id, text, blocks, self._ts())
        self.ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.ts}

    @serves("chat.update")
    async def _chat_update(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "chat:write")
        self._require(params, "channel", "ts")
        channel = self._channel(team, params["channel"])
        message = self._message(channel, params["ts"])
        if message.user != team.bot_user_id:
            raise SlackApiError("cant_update_message")
        text, blocks = self._check_message_content(params, need_text=False)
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks
        if params.get("metadata") is not None:
            metadata = _as_json(params["metadata"], "invalid_metadata_format")
            problem = validate_metadata(metadata)
            if problem:
                raise SlackApiError(problem)
            message.metadata = metadata
        message.edited = True
        return {"channel": channel.id, "ts": message.ts, "text": message.text or ""}

    @serves("chat.delete")
    async def _chat_delete(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "chat:write")
        self._require(params, "channel", "ts")
        channel = self._channel(team, params["channel"])
        message = self._message(channel, params["ts"])
        if message.user != team.bot_user_id:
            raise SlackApiError("cant_delete_message")
        message.deleted = True
        return {"channel": channel.id, "ts": message.ts}
