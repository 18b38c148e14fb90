"""OAuth: codes a test issues for an install and ``oauth.v2.access`` exchanging them."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from aiohttp import web

from tests.fakes.slack.args import SlackApiError
from tests.fakes.slack.state import SlackState


class OAuth(SlackState):
    """Client credentials (form or Basic auth) are checked before a code is taken."""

    def issue_oauth_code(self, team_id: str, installer_user_id: str) -> str:
        """A code the OAuth redirect carries after a person approves the install."""
        code = secrets.token_hex(10)
        self.pending_oauth_codes[code] = (team_id, installer_user_id)
        return code

    def _oauth_v2_access(self, request: web.Request, params: dict[str, Any]) -> dict[str, Any]:
        client_id = params.get("client_id")
        client_secret = params.get("client_secret")
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                raw = base64.b64decode(header.removeprefix("Basic ")).decode()
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise SlackApiError("invalid_client_id") from exc
            client_id, _, client_secret = raw.partition(":")
        if client_id != self.client_id:
            raise SlackApiError("invalid_client_id")
        if client_secret != self.client_secret:
            raise SlackApiError("bad_client_secret")
        code = str(params.get("code", ""))
        pending = self.pending_oauth_codes.pop(code, None)
        if pending is None:
            raise SlackApiError("invalid_code")
        team_id, installer = pending
        team = self.teams[team_id]
        return {
            "app_id": team.app_id,
            "authed_user": {"id": installer},
            "scope": ",".join(sorted(team.scopes)),
            "token_type": "bot",
            "access_token": team.bot_token,
            "bot_user_id": team.bot_user_id,
            "team": {"id": team.id, "name": team.name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
