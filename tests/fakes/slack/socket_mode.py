"""Socket Mode: ``apps.connections.open`` (app-level token), the websocket with its hello,
and envelopes the app must acknowledge."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.slack.args import SlackApiError
from tests.fakes.slack.records import _SocketConnection
from tests.fakes.slack.state import SlackState


class SocketMode(SlackState):
    """Delivers envelopes to the connected app and returns its acknowledgements."""

    def _apps_connections_open(self, request: web.Request) -> dict[str, Any]:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        if not token:
            raise SlackApiError("not_authed")
        if not token.startswith("xapp-"):
            raise SlackApiError("not_allowed_token_type")
        if token != self.app_token:
            raise SlackApiError("invalid_auth")
        cid = secrets.token_hex(8)
        return {"url": f"ws://127.0.0.1:{self.port}/socket-mode/{cid}"}

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = _SocketConnection(request.match_info["cid"], ws)
        self._sockets[conn.id] = conn
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": self.team.app_id},
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
            }
        )
        self._socket_connected.set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except json.JSONDecodeError:
                    self.violations.append("socket mode: a non-JSON frame")
                    continue
                envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
                future = conn.pending.pop(str(envelope_id), None)
                if future is None:
                    self.violations.append(f"socket mode: ack for unknown envelope {envelope_id}")
                elif not future.done():
                    future.set_result(data)
        finally:
            self._sockets.pop(conn.id, None)
            if not self._sockets:
                self._socket_connected.clear()
        return ws

    async def wait_socket_connected(self, wait: float = 10.0) -> None:
        await asyncio.wait_for(self._socket_connected.wait(), wait)

    async def socket_send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = True,
        wait: float = 10.0,
    ) -> dict[str, Any]:
        """Delivers one envelope over Socket Mode and returns the app's acknowledgement."""
        await self.wait_socket_connected(wait)
        conn = next(iter(self._sockets.values()))
        envelope_id = secrets.token_hex(12)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        conn.pending[envelope_id] = future
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await conn.ws.send_json(envelope)
        return await asyncio.wait_for(future, wait)
