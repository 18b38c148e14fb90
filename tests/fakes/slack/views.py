"""``views.*``: modals (open, push, update) and App Home (publish), with trigger IDs that
expire after three seconds and work once."""

from __future__ import annotations

import secrets
import time
from typing import Any

from tests.fakes.routing import serves
from tests.fakes.slack.access import Access
from tests.fakes.slack.args import SlackApiError, _as_json
from tests.fakes.slack.blocks import validate_view
from tests.fakes.slack.records import Team, View, _Trigger


class Views(Access):
    """Modals and Home tabs, validated with tests.fakes.slack.blocks."""

    def new_trigger_id(self, user_id: str, team_id: str | None = None) -> str:
        trigger = f"{next(self._counter)}.{int(time.time())}.{secrets.token_hex(16)}"
        self._triggers[trigger] = _Trigger(
            team_id or self.users[user_id].team_id, user_id, time.monotonic()
        )
        return trigger

    def _take_trigger(self, team: Team, trigger_id: Any) -> _Trigger:
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None or trigger.team_id != team.id:
            raise SlackApiError("invalid_trigger_id")
        if trigger.used:
            raise SlackApiError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.trigger_ttl:
            raise SlackApiError("expired_trigger_id")
        trigger.used = True
        return trigger

    @staticmethod
    def _view_arg(params: dict[str, Any], expect: str | None) -> dict[str, Any]:
        view = _as_json(params.get("view"), "invalid_arguments")
        problems = validate_view(view, expect=expect)
        if problems:
            raise SlackApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
            )
        assert isinstance(view, dict)
        return view

    def _new_view(
        self, team: Team, user_id: str, view: dict[str, Any], root: str | None, previous: str | None
    ) -> View:
        external_id = view.get("external_id")
        if external_id:
            for existing in self.views.values():
                if existing.team_id == team.id and existing.view.get("external_id") == external_id:
                    raise SlackApiError("duplicate_external_id")
        vid = self._id("V")
        stored = View(vid, team.id, user_id, view, secrets.token_hex(8), root or vid, previous)
        self.views[vid] = stored
        return stored

    @serves("views.open")
    async def _views_open(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "trigger_id", "view")
        view = self._view_arg(params, "modal")
        trigger = self._take_trigger(team, params["trigger_id"])
        stored = self._new_view(team, trigger.user_id, view, None, None)
        return {"view": stored.as_api(team)}

    @serves("views.push")
    async def _views_push(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "trigger_id", "view")
        view = self._view_arg(params, "modal")
        trigger = self._take_trigger(team, params["trigger_id"])
        stack = self.open_modals(trigger.user_id)
        if not stack:
            raise SlackApiError("not_found")
        if len([v for v in stack if v.root_view_id == stack[-1].root_view_id]) >= 3:
            raise SlackApiError("push_limit_reached")
        top = stack[-1]
        stored = self._new_view(team, trigger.user_id, view, top.root_view_id, top.id)
        return {"view": stored.as_api(team)}

    @serves("views.update")
    async def _views_update(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "view")
        target: View | None = None
        if params.get("view_id"):
            target = self.views.get(str(params["view_id"]))
        elif params.get("external_id"):
            target = next(
                (
                    v
                    for v in self.views.values()
                    if v.team_id == team.id and v.view.get("external_id") == params["external_id"]
                ),
                None,
            )
        else:
            raise SlackApiError(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] view_id or external_id is required"]},
            )
        if target is None or target.team_id != team.id:
            raise SlackApiError("not_found")
        view = self._view_arg(params, target.type)
        if params.get("hash") and params["hash"] != target.hash:
            raise SlackApiError("hash_conflict")
        target.view = view
        target.hash = secrets.token_hex(8)
        return {"view": target.as_api(team)}

    @serves("views.publish")
    async def _views_publish(self, team: Team, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "user_id", "view")
        user = self._user(team, params["user_id"])
        view = self._view_arg(params, "home")
        key = (team.id, user.id)
        existing = self.home_views.get(key)
        if existing is not None and params.get("hash") and params["hash"] != existing.hash:
            raise SlackApiError("hash_conflict")
        if existing is None:
            existing = View(self._id("V"), team.id, user.id, view, secrets.token_hex(8), "")
            existing.root_view_id = existing.id
            self.home_views[key] = existing
            self.views[existing.id] = existing
        else:
            existing.view = view
            existing.hash = secrets.token_hex(8)
        return {"view": existing.as_api(team)}
