"""Guild scheduled events: list, create, get, edit, delete, validated as Discord does.

Who sees an event follows Discord's rule: an event in a channel (STAGE_INSTANCE, VOICE) is seen
only by people who can see that channel; an EXTERNAL event (no channel) by every member of the
server. ``events_visible_to`` answers it for a person.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.discord.constants import (
    CHANNEL_VOICE,
    DiscordHTTPError,
    P,
    _form_error,
)
from tests.fakes.discord.pins import Pins
from tests.fakes.discord.records import RecordedRequest
from tests.fakes.routing import serves

STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
GUILD_ONLY = 2
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
CHANNEL_STAGE = 13
MAX_EVENTS = 100  # scheduled or active events per server


def _when(value: Any, path: list[str | int]) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _form_error(path, "Could not interpret the value as an ISO8601 timestamp") from None
    if parsed.tzinfo is None:
        raise _form_error(path, "Timestamps need a time zone")
    return parsed


class Events(Pins):
    """Scheduled events need MANAGE_EVENTS or CREATE_EVENTS; one in a channel also needs the
    bot to see and connect to that channel."""

    def events_visible_to(self, user_id: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.scheduled_events.values()
            if e["entity_type"] == EXTERNAL
            or (e["channel_id"] is not None and self.can_view(e["channel_id"], user_id))
        ]

    def _event(self, event_id: str) -> dict[str, Any]:
        event = self.scheduled_events.get(event_id)
        if event is None:
            raise DiscordHTTPError(404, 10070)
        return event

    def _check_event(self, event: dict[str, Any], *, creating: bool) -> None:
        name = event.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise _form_error(["name"], "Must be between 1 and 100 in length.")
        if event.get("description") and len(str(event["description"])) > 1000:
            raise _form_error(["description"], "Must be 1000 or fewer in length.")
        if event.get("privacy_level") != GUILD_ONLY:
            raise _form_error(["privacy_level"], "Value must be 2 (GUILD_ONLY)")
        kind = event.get("entity_type")
        start = _when(event.get("scheduled_start_time"), ["scheduled_start_time"])
        end = None
        if event.get("scheduled_end_time") is not None:
            end = _when(event["scheduled_end_time"], ["scheduled_end_time"])
            if end <= start:
                raise _form_error(["scheduled_end_time"], "Must be after the start")
        if creating and start <= datetime.now(UTC) - timedelta(minutes=1):
            raise _form_error(["scheduled_start_time"], "Cannot schedule event in the past")
        if kind == EXTERNAL:
            location = (event.get("entity_metadata") or {}).get("location")
            if not location or end is None or event.get("channel_id") is not None:
                raise _form_error(
                    ["entity_metadata"], "External events need a location, an end and no channel"
                )
            return
        if kind not in (STAGE_INSTANCE, VOICE):
            raise _form_error(["entity_type"], "Value is not a valid event type")
        channel_id = event.get("channel_id")
        if channel_id is None:
            raise _form_error(["channel_id"], "This field is required", "BASE_TYPE_REQUIRED")
        channel = self._channel(str(channel_id))
        wanted = CHANNEL_VOICE if kind == VOICE else CHANNEL_STAGE
        if channel["type"] != wanted:
            raise _form_error(["channel_id"], "The channel does not match the event type")
        self._bot_needs(str(channel_id), P.VIEW_CHANNEL | P.CONNECT)

    def _bot_may_manage_events(self) -> None:
        base = self.base_permissions(self.bot_user_id)
        if not base & (P.MANAGE_EVENTS | P.CREATE_EVENTS):
            raise DiscordHTTPError(403, 50013)

    def _event_for_bot(self, event: dict[str, Any]) -> dict[str, Any]:
        return dict(event)

    @serves(("GET", "/guilds/{guild_id}/scheduled-events"))
    async def _list_events(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        return [self._event_for_bot(e) for e in self.events_visible_to(self.bot_user_id)]

    @serves(("POST", "/guilds/{guild_id}/scheduled-events"))
    async def _create_event(self, rec: RecordedRequest, guild_id: str) -> Any:
        self._guild(guild_id)
        self._bot_may_manage_events()
        body = dict(rec.json or {})
        self._check_event(body, creating=True)
        live = [e for e in self.scheduled_events.values() if e["status"] in (SCHEDULED, ACTIVE)]
        if len(live) >= MAX_EVENTS:
            raise DiscordHTTPError(400, 30038)  # maximum number of guild events reached
        eid = self.snowflake()
        event = {
            "id": eid,
            "guild_id": self.guild_id,
            "channel_id": None if body.get("channel_id") is None else str(body["channel_id"]),
            "creator_id": self.bot_user_id,
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": body["privacy_level"],
            "status": SCHEDULED,
            "entity_type": body["entity_type"],
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "user_count": 0,
        }
        self.scheduled_events[eid] = event
        return event

    @serves(("GET", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"))
    async def _get_event(
        self, rec: RecordedRequest, guild_id: str, guild_scheduled_event_id: str
    ) -> Any:
        self._guild(guild_id)
        return self._event_for_bot(self._event(guild_scheduled_event_id))

    @serves(("PATCH", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"))
    async def _edit_event(
        self, rec: RecordedRequest, guild_id: str, guild_scheduled_event_id: str
    ) -> Any:
        self._guild(guild_id)
        self._bot_may_manage_events()
        event = self._event(guild_scheduled_event_id)
        body = dict(rec.json or {})
        if event["status"] != SCHEDULED and "scheduled_start_time" in body:
            raise DiscordHTTPError(400, 180000)  # the start of a started event cannot change
        merged = {**event, **{k: v for k, v in body.items() if k != "status"}}
        self._check_event(merged, creating=False)
        if "status" in body:
            merged["status"] = int(body["status"])
        if merged.get("channel_id") is not None:
            merged["channel_id"] = str(merged["channel_id"])
        event.clear()
        event.update(merged)
        return event

    @serves(("DELETE", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"))
    async def _delete_event(
        self, rec: RecordedRequest, guild_id: str, guild_scheduled_event_id: str
    ) -> Any:
        self._guild(guild_id)
        self._bot_may_manage_events()
        self._event(guild_scheduled_event_id)
        del self.scheduled_events[guild_scheduled_event_id]
        return None
