"""Files, the two-step external upload: ``files.getUploadURLExternal``, the upload itself,
then ``files.completeUploadExternal`` (which shares the file in a channel or DM)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.routing import serves
from tests.fakes.slack.access import Access
from tests.fakes.slack.args import SlackApiError, _as_json, _as_list
from tests.fakes.slack.records import Call, Channel, Message, Team, UploadedFile


class Files(Access):
    """Uploads must be complete and of the announced size before they are shared."""

    @serves("files.getUploadURLExternal")
    async def _files_get_upload_url(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "files:write")
        self._require(params, "filename", "length")
        try:
            length = int(params["length"])
        except (TypeError, ValueError) as exc:
            raise SlackApiError("invalid_arguments") from exc
        if length <= 0:
            raise SlackApiError("invalid_arguments")
        fid = self._id("F")
        self.files[fid] = UploadedFile(
            fid,
            team.id,
            str(params["filename"]),
            length,
            None if params.get("alt_txt") is None else str(params["alt_txt"]),
        )
        return {"upload_url": f"{self.root_url}/upload/v1/{fid}", "file_id": fid}

    @serves("files.completeUploadExternal")
    async def _files_complete_upload(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "files:write")
        self._require(params, "files")
        entries = _as_json(params["files"], "invalid_arguments")
        if not isinstance(entries, list) or not entries:
            raise SlackApiError("invalid_arguments")
        channel: Channel | None = None
        targets = []
        if params.get("channel_id"):
            targets.append(params["channel_id"])
        if params.get("channels"):
            targets.extend(_as_list(params["channels"]))
        if len(targets) > 1:
            raise SlackApiError("invalid_arguments", detail="one channel only in the fake")
        if targets:
            channel = self._resolve_post_channel(team, targets[0])
        uploaded: list[UploadedFile] = []
        for entry in entries:
            if not isinstance(entry, dict) or "id" not in entry:
                raise SlackApiError("invalid_arguments")
            upload = self.files.get(str(entry["id"]))
            if upload is None or upload.team_id != team.id:
                raise SlackApiError("file_not_found")
            if upload.content is None:
                raise SlackApiError("file_upload_not_completed")
            if len(upload.content) != upload.length:
                raise SlackApiError("file_upload_size_mismatch")
            uploaded.append(upload)
        for upload, entry in zip(uploaded, entries, strict=True):
            upload.title = str(entry.get("title") or upload.filename)
            upload.completed = True
            if channel is not None:
                upload.channels.append(channel.id)
        if channel is not None:
            comment = params.get("initial_comment")
            self.messages.append(
                Message(
                    channel.id,
                    self._ts(),
                    team.bot_user_id,
                    None if comment is None else str(comment),
                    None,
                    files=[u.id for u in uploaded],
                )
            )
        return {
            "files": [
                {
                    "id": u.id,
                    "name": u.filename,
                    "title": u.title,
                    "size": u.length,
                    "channels": [c for c in u.channels if not c.startswith("D")],
                    "ims": [c for c in u.channels if c.startswith("D")],
                }
                for u in uploaded
            ]
        }

    async def _handle_upload(self, request: web.Request) -> web.Response:
        upload = self.files.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="file not found", content_type="text/plain")
        data = await request.read()
        if request.content_type == "multipart/form-data":
            # slack_sdk posts raw bytes; a multipart body would be stored as-is by real Slack too.
            pass
        upload.content = data
        self.calls.append(Call("upload", {"file_id": upload.id, "bytes": len(data)}, "POST", False))
        await self._notify()
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")
