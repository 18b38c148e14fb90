"""``response_url``: where Bolt's ``respond()`` posts; five uses per URL, as on Slack."""

from __future__ import annotations

import json
import secrets

from aiohttp import web

from tests.fakes.slack.blocks import validate_blocks
from tests.fakes.slack.records import RESPONSE_URL_MAX_USES, ResponsePost, ResponseUrl
from tests.fakes.slack.state import SlackState


class ResponseUrls(SlackState):
    """Response URLs issued to the driver and what the app posted to them."""

    def new_response_url(
        self, user_id: str, channel_id: str | None, team_id: str | None = None
    ) -> str:
        rid = secrets.token_hex(12)
        team = team_id or self.users[user_id].team_id
        self.response_urls[rid] = ResponseUrl(rid, team, user_id, channel_id)
        return f"{self.root_url}/response/{rid}"

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        target = self.response_urls.get(request.match_info["rid"])
        if target is None:
            return web.Response(status=404, text="no_such_url", content_type="text/plain")
        if target.uses >= RESPONSE_URL_MAX_USES:
            return web.Response(status=404, text="used_url", content_type="text/plain")
        try:
            body = await request.json()
        except (json.JSONDecodeError, ValueError):
            return web.Response(status=400, text="invalid_payload", content_type="text/plain")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload", content_type="text/plain")
        blocks = body.get("blocks")
        if blocks is not None:
            problems = validate_blocks(blocks)
            if problems:
                self.violations.append(f"response_url: invalid_blocks {problems}")
                return web.Response(status=400, text="invalid_blocks", content_type="text/plain")
        if body.get("response_type") not in {None, "ephemeral", "in_channel"}:
            self.violations.append(f"response_url: bad response_type {body.get('response_type')!r}")
        target.uses += 1
        self.responses.append(
            ResponsePost(target.id, target.team_id, target.user_id, target.channel_id, body)
        )
        await self._notify()
        return web.Response(text="ok", content_type="text/plain")
