"""A strict fake of Discord's HTTP API and gateway, for tests with the real discord.py.

``async with FakeDiscord() as fake:`` serves, on 127.0.0.1 and a free port,

* REST under ``fake.api_base`` (``http://127.0.0.1:PORT/api/v10``) and
* the gateway websocket at ``fake.gateway_url`` (v10 JSON, optional ``zlib-stream``),

holding one guild with roles, members, channels (text, categories, DMs), permission
overwrites, messages (nonce + ``enforce_nonce``), pins, attachments, application
commands and interactions.

It is strict in the ways real Discord is, and stricter where that helps tests:

* every request is recorded (``fake.requests``);
* routes, methods, query names and JSON body keys are checked against Discord's OpenAPI
  description when ``../shared/specs/discord-openapi.json`` exists (``spec``); anything
  unknown gets a Discord-shaped 4xx *and* a line in ``fake.violations`` (tests assert it stays
  empty);
* ``Authorization: Bot <token>`` is required where Discord requires it (401 otherwise);
* the bot's own permissions are enforced (50001/50013), DMs can be closed (50007),
  interactions must be answered within 3 s (10062) and only once (40060), commands,
  messages, components and modals are validated like Discord does (50035);
* rate limits: real ``X-RateLimit-*`` headers, a 5 per 5 s bucket per channel for
  messages and a 50/s global limit; natural 429s are listed in ``fake.rate_limit_hits``;
  ``fake.fail_next(...)`` injects 429/403/404/... answers.

Tests drive users through ``fake.slash(...)``, ``fake.press_button(...)``,
``fake.submit_modal(...)`` and ``fake.autocomplete(...)`` which dispatch INTERACTION_CREATE
to the connected bot and return a :class:`FakeInteraction` to await.

The package is split by resource so that adding an endpoint touches one small module: a handler
in ``gateway``, ``guild``, ``channels``, ``permissions``, ``messages``, ``pins``, ``commands`` or
``interactions`` declares its route with ``@serves``; ``people`` sends what people do to the bot;
``rate_limits``, ``spec_check`` and ``server`` are the plumbing; ``fake`` puts them together.
"""

from tests.fakes.discord.constants import (
    CHANNEL_CATEGORY,
    CHANNEL_DM,
    CHANNEL_TEXT,
    CHANNEL_VOICE,
    EPHEMERAL,
    LOADING,
    DiscordHTTPError,
    FakeRefused,
    Intents,
    P,
)
from tests.fakes.discord.fake import FakeDiscord
from tests.fakes.discord.records import FakeInteraction, RecordedRequest, buttons_of, message_texts
from tests.fakes.discord.server import discord_py_pointed_at

__all__ = [
    "CHANNEL_CATEGORY",
    "CHANNEL_DM",
    "CHANNEL_TEXT",
    "CHANNEL_VOICE",
    "EPHEMERAL",
    "LOADING",
    "DiscordHTTPError",
    "FakeDiscord",
    "FakeInteraction",
    "FakeRefused",
    "Intents",
    "P",
    "RecordedRequest",
    "buttons_of",
    "discord_py_pointed_at",
    "message_texts",
]
