"""Checks recorded Slack Web API calls against Slack's own OpenAPI description.

The description lives outside the repository (``../shared/specs/slack-web-openapi-v2.json``,
or the folder named by ``CIRCLEKEEPER_SPECS_DIR``, found by :mod:`tests.fakes.specs`); when it
is absent the checks are skipped and the test run says so in its summary.
The description dates from 2021, so methods and arguments Slack added since are allow-listed
here explicitly, each one named.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.fakes import specs

SPEC_FILE = specs.SLACK

# Methods newer than the 2021 description, with the arguments Slack documents for them.
EXTRA_METHODS: dict[str, frozenset[str]] = {
    "files.getUploadURLExternal": frozenset({"filename", "length", "alt_txt", "snippet_type"}),
    "files.completeUploadExternal": frozenset(
        {"files", "channel_id", "channels", "initial_comment", "thread_ts", "blocks"}
    ),
    "apps.connections.open": frozenset(),
}

# Arguments newer than the description for methods it does describe.
EXTRA_PARAMS: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset({"metadata"}),
    "chat.postEphemeral": frozenset(),
    "chat.update": frozenset({"metadata", "reply_broadcast", "file_ids"}),
    "conversations.history": frozenset({"include_all_metadata"}),
    "conversations.create": frozenset({"team_id"}),
    "conversations.invite": frozenset({"force"}),
    "views.publish": frozenset(),
}

# Arguments every method takes whatever the description says.
# slack_sdk adds team_id to every call of a client made for one workspace (Bolt does this);
# Slack accepts it on every method (it selects the workspace of an org-wide install).
COMMON_PARAMS = frozenset({"token", "team_id"})


@dataclass
class MethodSpec:
    params: frozenset[str]
    accepts_json: bool


@dataclass
class SlackSpec:
    methods: dict[str, MethodSpec] = field(default_factory=dict)

    def accepts_json(self, method: str) -> bool:
        known = self.methods.get(method)
        return known is None or known.accepts_json

    def check(self, method: str, params: dict[str, Any], *, json_body: bool) -> list[str]:
        """Violations of one call: unknown method, unknown argument, JSON where not accepted."""
        problems: list[str] = []
        known = self.methods.get(method)
        if known is None:
            if method in EXTRA_METHODS:
                known = MethodSpec(EXTRA_METHODS[method], accepts_json=True)
            else:
                return [f"{method}: method not in Slack's API description"]
        allowed = known.params | EXTRA_PARAMS.get(method, frozenset()) | COMMON_PARAMS
        for name in sorted(set(params) - allowed):
            problems.append(f"{method}: unknown argument {name!r}")
        if json_body and not known.accepts_json:
            problems.append(f"{method}: does not accept a JSON body (Slack ignores its arguments)")
        return problems


def spec_dir() -> Path | None:
    found = specs.spec_file(SPEC_FILE)
    return None if found is None else found.parent


@lru_cache(maxsize=1)
def load_spec() -> SlackSpec | None:
    """The parsed description, or None when the specs folder is absent."""
    folder = spec_dir()
    if folder is None:
        return None
    raw = json.loads((folder / SPEC_FILE).read_text(encoding="utf-8"))
    spec = SlackSpec()
    for path, operations in raw.get("paths", {}).items():
        method = path.lstrip("/")
        names: set[str] = set()
        accepts_json = False
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if isinstance(parameter, dict) and "name" in parameter:
                    names.add(parameter["name"])
            if "application/json" in operation.get("consumes", []):
                accepts_json = True
        spec.methods[method] = MethodSpec(frozenset(names), accepts_json)
    return spec
