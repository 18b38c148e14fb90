"""What the fake records: requests, injected failures, rate-limit buckets, and interactions
(each one sent to the bot with everything the bot answered to it)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.discord.constants import API_PREFIX, EPHEMERAL, LOADING

if TYPE_CHECKING:
    from tests.fakes.discord.state import DiscordState


@dataclass
class RecordedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    method: str
    path: str
    route: str | None
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: list[RecordedFile] = field(default_factory=list)
    status: int = 0
    at: float = 0.0

    @property
    def body(self) -> Any:
        """The JSON body, or the parsed ``payload_json`` of a multipart request."""
        return self.json

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


@dataclass
class FailRule:
    target: str
    method: str | None
    status: int
    code: int | None
    message: str | None
    retry_after: float
    global_: bool
    remaining: int
    hits: list[RecordedRequest] = field(default_factory=list)

    def matches(self, method: str, path: str, template: str | None) -> bool:
        if self.remaining <= 0:
            return False
        if self.method and self.method != method:
            return False
        target = self.target
        if target.startswith(API_PREFIX):
            target = target[len(API_PREFIX) :]
        if "{" in target:
            return template == target
        return path.rstrip("/") == target.rstrip("/")


@dataclass
class _Bucket:
    limit: int
    window: float
    count: int = 0
    reset_at: float = 0.0


class FakeInteraction:
    """One interaction sent to the bot, and everything the bot answered to it."""

    def __init__(self, fake: DiscordState, payload: dict[str, Any], user_id: str) -> None:
        self.fake = fake
        self.payload = payload
        self.id: str = payload["id"]
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.user_id = user_id
        self.channel_id: str | None = payload.get("channel_id")
        self.created = time.monotonic()
        self.callbacks: list[dict[str, Any]] = []
        self.original: dict[str, Any] | None = None
        self.followups: list[dict[str, Any]] = []
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.component_message: dict[str, Any] | None = payload.get("message")
        self.late = False

    def __repr__(self) -> str:
        return f"<FakeInteraction {self.id} type={self.type} callbacks={self.response_types}>"

    @property
    def response_types(self) -> list[int]:
        return [c["type"] for c in self.callbacks]

    @property
    def response_type(self) -> int | None:
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def deferred(self) -> bool:
        return self.response_type in (5, 6)

    @property
    def ephemeral(self) -> bool:
        msg = self.original
        if msg is not None:
            return bool(msg.get("flags", 0) & EPHEMERAL)
        return bool(self.followups and self.followups[0].get("flags", 0) & EPHEMERAL)

    @property
    def messages(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.original is not None and not self.original.get("flags", 0) & LOADING:
            out.append(self.original)
        out.extend(self.followups)
        return out

    @property
    def done(self) -> bool:
        """The person has seen a result: a message, an update, a modal or choices."""
        t = self.response_type
        if t is None:
            return False
        if t in (4, 7, 8, 9):
            return True
        if t == 5:
            return bool(self.messages)
        if t == 6:
            return bool(self.followups) or self._component_edited
        return False

    _component_edited = False

    def texts(self) -> list[str]:
        """Everything the person can read in the answers: contents and embed text."""
        out: list[str] = []
        msgs = list(self.messages)
        if self.response_type in (6, 7) and self.component_message is not None:
            msgs.insert(0, self.component_message)
        for m in msgs:
            out.extend(message_texts(m))
        if self.modal is not None:
            out.append(str(self.modal.get("title", "")))
        return [t for t in out if t]

    def text(self) -> str:
        return "\n".join(self.texts())

    async def wait_response(self, timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109
        """The first callback (type and data)."""
        await self.fake.wait_for(lambda: bool(self.callbacks), timeout, f"a response to {self!r}")
        return self.callbacks[0]

    async def wait_done(self, timeout: float = 10.0) -> FakeInteraction:  # noqa: ASYNC109
        """Until the person has seen something (deferred answers are followed up)."""
        await self.fake.wait_for(lambda: self.done, timeout, f"a visible answer to {self!r}")
        return self


def message_texts(message: dict[str, Any]) -> list[str]:
    out = [str(message.get("content") or "")]
    for e in message.get("embeds") or []:
        for key in ("title", "description"):
            if e.get(key):
                out.append(str(e[key]))
        for f in e.get("fields") or []:
            out.append(f"{f.get('name', '')}\n{f.get('value', '')}")
        if (e.get("footer") or {}).get("text"):
            out.append(str(e["footer"]["text"]))
    for row in message.get("components") or []:
        for c in _walk_components([row]):
            if c.get("type") == 10 and c.get("content"):
                out.append(str(c["content"]))
    return [t for t in out if t]


def _walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for c in components or []:
        yield c
        if isinstance(c.get("components"), list):
            yield from _walk_components(c["components"])
        if isinstance(c.get("component"), dict):
            yield from _walk_components([c["component"]])
        if isinstance(c.get("accessory"), dict):
            yield from _walk_components([c["accessory"]])


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in _walk_components(message.get("components") or []) if c.get("type") == 2]
