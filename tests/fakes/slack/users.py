"""``auth.test``, ``team.info`` and ``users.info``."""

from __future__ import annotations

from typing import Any

from tests.fakes.routing import serves
from tests.fakes.slack.access import Access
from tests.fakes.slack.args import _as_bool
from tests.fakes.slack.records import Team


class Users(Access):
    """Who the token is, its workspace, and the people in it."""

    @serves("auth.test")
    async def _auth_test(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{team.domain}.slack.com/",
            "team": team.name,
            "user": "circlekeeper",
            "team_id": team.id,
            "user_id": team.bot_user_id,
            "bot_id": team.bot_id,
            "is_enterprise_install": False,
        }

    @serves("team.info")
    async def _team_info(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        return {"team": {"id": team.id, "name": team.name, "domain": team.domain}}

    @serves("users.info")
    async def _users_info(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._scope(team, "users:read")
        self._require(params, "user")
        user = self._user(team, params["user"])
        out: dict[str, Any] = {
            "id": user.id,
            "team_id": user.team_id,
            "name": user.name,
            "real_name": user.real_name,
            "deleted": False,
            "tz": user.tz,
            "tz_offset": user.tz_offset,
            "is_admin": user.is_admin,
            "is_owner": user.is_owner,
            "is_bot": user.is_bot,
            "profile": {"display_name": user.name, "real_name": user.real_name},
        }
        if _as_bool(params.get("include_locale", False)):
            out["locale"] = user.locale
        return {"user": out}
