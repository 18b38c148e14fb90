"""A strict fake of Slack (Web API, response_url, file upload, Socket Mode) and a driver that
sends what Slack sends to an app, for tests with the real slack-bolt and slack_sdk.

Split so that adding a method touches one small module: the Web API families (``chat``,
``conversations``, ``pins``, ``files``, ``users``, ``views``, ``oauth``), ``socket_mode``,
``response_urls``, the world state (``state``, ``records``), ``signing`` of requests to the app,
``blocks`` (Block Kit validation), ``spec`` (Slack's OpenAPI description), ``driver`` and
``world`` (a whole circlekeeper on Slack; import it from ``tests.fakes.slack.world``).
"""

from tests.fakes.slack.fake import FakeSlack
from tests.fakes.slack.records import (
    DEFAULT_BOT_SCOPES,
    Call,
    Channel,
    Ephemeral,
    Message,
    ResponsePost,
    Team,
    User,
    View,
    buttons_in,
)

__all__ = [
    "DEFAULT_BOT_SCOPES",
    "Call",
    "Channel",
    "Ephemeral",
    "FakeSlack",
    "Message",
    "ResponsePost",
    "Team",
    "User",
    "View",
    "buttons_in",
]
