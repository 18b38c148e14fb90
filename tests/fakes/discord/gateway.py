"""The gateway: the websocket (v10 JSON, optional zlib-stream), IDENTIFY/RESUME, READY and
GUILD_CREATE, and dispatching events to the sessions whose intents and shard want them."""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord.constants import _APP_FLAG_FOR_INTENT, CHANNEL_DM, FakeRefused, Intents
from tests.fakes.discord.records import RecordedRequest
from tests.fakes.discord.state import DiscordState
from tests.fakes.routing import serves


class GatewaySession:
    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.ws = ws
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._lock = asyncio.Lock()
        self.session_id = secrets.token_hex(16)
        self.seq = 0
        self.identify: dict[str, Any] | None = None
        self.intents = 0
        self.shard: tuple[int, int] = (0, 1)
        self.ready = False
        self.heartbeats = 0
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.resumed = False

    @property
    def open(self) -> bool:
        return not self.ws.closed

    def owns_guild(self, guild_id: str) -> bool:
        shard_id, count = self.shard
        return (int(guild_id) >> 22) % count == shard_id

    async def send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return
            self.sent.append(payload)
            if self._zlib is not None:
                blob = self._zlib.compress(data.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(blob)
            else:
                await self.ws.send_str(data)

    async def dispatch(self, event: str, data: Any) -> None:
        self.seq += 1
        await self.send({"op": 0, "t": event, "s": self.seq, "d": data})


_EVENT_INTENT = {
    "GUILD_CREATE": Intents.GUILDS,
    "GUILD_UPDATE": Intents.GUILDS,
    "GUILD_DELETE": Intents.GUILDS,
    "GUILD_ROLE_CREATE": Intents.GUILDS,
    "GUILD_ROLE_UPDATE": Intents.GUILDS,
    "GUILD_ROLE_DELETE": Intents.GUILDS,
    "CHANNEL_CREATE": Intents.GUILDS,
    "CHANNEL_UPDATE": Intents.GUILDS,
    "CHANNEL_DELETE": Intents.GUILDS,
    "CHANNEL_PINS_UPDATE": Intents.GUILDS,
    "GUILD_MEMBER_ADD": Intents.GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": Intents.GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": Intents.GUILD_MEMBERS,
    "MESSAGE_CREATE": Intents.GUILD_MESSAGES,
    "MESSAGE_UPDATE": Intents.GUILD_MESSAGES,
    "MESSAGE_DELETE": Intents.GUILD_MESSAGES,
}


class Gateway(DiscordState):
    """Gateway sessions and event dispatch; the REST routes that hand out the gateway URL."""

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _fire_guild(self, event: str, data: Any) -> None:
        for s in list(self.sessions):
            if s.ready and s.owns_guild(self.guild_id) and self._wants(s, event):
                self._spawn(s.dispatch(event, data))

    def _fire_dm(self, event: str, data: Any) -> None:
        for s in list(self.sessions):
            if s.ready and s.shard[0] == 0 and s.intents & Intents.DIRECT_MESSAGES:
                self._spawn(s.dispatch(event, data))

    @staticmethod
    def _wants(session: GatewaySession, event: str) -> bool:
        need = _EVENT_INTENT.get(event)
        return need is None or bool(session.intents & need)

    def _session_for_guild(self) -> GatewaySession:
        for s in self.sessions:
            if s.ready and s.open and s.owns_guild(self.guild_id):
                return s
        raise FakeRefused("no bot is connected to the gateway for this guild")

    async def disconnect_bot(self, code: int = 4000) -> None:
        """Drop the gateway connection(s) as Discord sometimes does (the bot may RESUME)."""
        for s in list(self.sessions):
            await s.ws.close(code=code)

    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        compress = q.get("compress")
        problems = []
        if q.get("v") != "10":
            problems.append(f"gateway: version v={q.get('v')!r}, expected 10")
        if q.get("encoding", "json") != "json":
            problems.append(f"gateway: encoding {q.get('encoding')!r} not supported by the fake")
        if compress not in (None, "zlib-stream"):
            problems.append(f"gateway: compress={compress!r} not supported by the fake")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        if problems:
            self.violations.extend(problems)
            await ws.close(code=4000 if "compress" in problems[0] else 4012)
            return ws
        session = GatewaySession(ws, compress)
        self.sessions.append(session)
        try:
            await session.send(
                {"op": 10, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}}
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await ws.close(code=4002)
                        break
                    session.received.append(payload)
                    await self._gateway_op(session, payload)
                elif msg.type == WSMsgType.BINARY:
                    self.violations.append(
                        "gateway: binary frame from client (ETF is not supported)"
                    )
                    await ws.close(code=4002)
                    break
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            if session in self.sessions:
                self.sessions.remove(session)
            self._ended_sessions[session.session_id] = session
            await self._notify()
        return ws

    async def _gateway_op(self, session: GatewaySession, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        d = payload.get("d")
        if op == 1:
            session.heartbeats += 1
            await session.send({"op": 11})
        elif op == 2:
            await self._identify(session, d or {})
        elif op == 6:
            await self._resume(session, d or {})
        elif op in (3, 4, 8):
            if op == 8 and not (session.intents & Intents.GUILD_MEMBERS):
                self.violations.append(
                    "gateway: REQUEST_GUILD_MEMBERS without the GUILD_MEMBERS intent"
                )
        else:
            self.violations.append(f"gateway: unknown opcode {op!r}")
            await session.ws.close(code=4001)

    async def _identify(self, session: GatewaySession, d: dict[str, Any]) -> None:
        if session.identify is not None:
            await session.ws.close(code=4005)
            return
        record = {k: v for k, v in d.items() if k != "token"}
        record["token_ok"] = d.get("token") == self.token
        self.identifies.append(record)
        if d.get("token") != self.token:
            await session.ws.close(code=4004)
            return
        if "intents" not in d:
            self.violations.append("gateway: IDENTIFY without intents (required in v10)")
            await session.ws.close(code=4013)
            return
        intents = int(d["intents"])
        if intents & ~Intents.ALL:
            await session.ws.close(code=4013)
            return
        if intents & Intents.PRIVILEGED & ~self.privileged_intents:
            await session.ws.close(code=4014)
            return
        shard = d.get("shard") or [0, 1]
        if not (isinstance(shard, list) and len(shard) == 2 and 0 <= int(shard[0]) < int(shard[1])):
            await session.ws.close(code=4010)
            return
        session.identify = record
        session.intents = intents
        session.shard = (int(shard[0]), int(shard[1]))
        ready: dict[str, Any] = {
            "v": 10,
            "user": {
                **self.users[self.bot_user_id],
                "verified": True,
                "mfa_enabled": False,
                "email": None,
            },
            "guilds": [{"id": self.guild_id, "unavailable": True}]
            if session.owns_guild(self.guild_id)
            else [],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.application_id, "flags": self._app_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "session_type": "normal",
        }
        if d.get("shard"):
            ready["shard"] = list(session.shard)
        await session.dispatch("READY", ready)
        session.ready = True
        if session.owns_guild(self.guild_id):
            members = bool(intents & Intents.GUILD_MEMBERS)
            await session.dispatch("GUILD_CREATE", self._guild_payload(members=members))
        await self._notify()

    async def _resume(self, session: GatewaySession, d: dict[str, Any]) -> None:
        old = self._ended_sessions.get(str(d.get("session_id")))
        if old is None or d.get("token") != self.token or old.identify is None:
            await session.send({"op": 9, "d": False})
            return
        session.session_id = old.session_id
        session.identify = old.identify
        session.intents = old.intents
        session.shard = old.shard
        session.seq = old.seq
        session.resumed = True
        seq = int(d.get("seq") or 0)
        for p in old.sent:
            if p.get("op") == 0 and int(p.get("s") or 0) > seq:
                await session.send(p)
        session.ready = True
        await session.dispatch("RESUMED", {})
        await self._notify()

    def _app_flags(self) -> int:
        flags = 1 << 23  # APPLICATION_COMMAND_BADGE
        for intent, flag in _APP_FLAG_FOR_INTENT.items():
            if self.privileged_intents & intent:
                flags |= flag
        return flags

    def _guild_payload(self, *, members: bool) -> dict[str, Any]:
        member_list = list(self.members.values()) if members else [self.members[self.bot_user_id]]
        return {
            **self.guild,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
            "joined_at": self.members[self.bot_user_id]["joined_at"],
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": member_list,
            "channels": [c for c in self.channels.values() if c["type"] != CHANNEL_DM],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    @serves(("GET", "/gateway"))
    async def _get_gateway(self, rec: RecordedRequest) -> Any:
        return {"url": self.gateway_url.rstrip("/")}

    @serves(("GET", "/gateway/bot"))
    async def _get_gateway_bot(self, rec: RecordedRequest) -> Any:
        return {
            "url": self.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            },
        }
