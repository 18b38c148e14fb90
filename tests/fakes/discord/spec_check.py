"""Request checks against Discord's OpenAPI description (query names, body keys) and the
few gaps of that file, each named with its reason."""

from __future__ import annotations

import re

from tests.fakes.discord.records import RecordedRequest
from tests.fakes.discord.state import DiscordState

# Keys Discord accepts that its OpenAPI file does not list. Only what discord.py really
# sends and Discord really takes belongs here, each with the reason.
_TTS = re.compile(r"^body: unknown key 'tts'$")


_NSFW = re.compile(r"^body(\[\d+\])?: unknown key 'nsfw'$")


_SPEC_GAPS: dict[str, re.Pattern[str]] = {
    # application command "nsfw" is documented (Application Command Object) but not in the file
    "/applications/{application_id}/commands": _NSFW,
    "/applications/{application_id}/guilds/{guild_id}/commands": _NSFW,
    # discord.py repeats the overwrite id in the body of Edit Channel Permissions; ignored
    "/channels/{channel_id}/permissions/{overwrite_id}": re.compile(r"^body: unknown key 'id'$"),
    # discord.py sends "tts": false when editing an interaction response; ignored by Discord
    "/webhooks/{webhook_id}/{webhook_token}/messages/@original": _TTS,
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": _TTS,
    "/interactions/{interaction_id}/{interaction_token}/callback": re.compile(
        r"^body\.data: unknown key 'tts'$"
    ),
}


def _spec_gap(route: str | None, problem: str) -> bool:
    pattern = _SPEC_GAPS.get(route or "")
    return bool(pattern and pattern.match(problem))


class SpecCheck(DiscordState):
    """What a request got wrong against the description (nothing when it is absent)."""

    def _spec_problems(self, rec: RecordedRequest) -> list[str]:
        problems: list[str] = []
        assert rec.route is not None
        if self.spec is not None:
            allowed_q = self.spec.query_names(rec.method, rec.route)
            for q in rec.query:
                if q not in allowed_q:
                    problems.append(f"unknown query parameter {q!r}")
            if rec.json is not None or rec.files:
                if not self.spec.accepts_body(rec.method, rec.route):
                    problems.append("this route takes no request body")
                else:
                    ctype = "multipart/form-data" if rec.files or rec.form else "application/json"
                    schema = self.spec.body_schema(rec.method, rec.route, ctype)
                    if schema is not None and rec.json is not None:
                        route = rec.route
                        problems.extend(
                            self.spec.check(schema, rec.json, ignore=lambda p: _spec_gap(route, p))
                        )
        for f in rec.files:
            if not re.fullmatch(r"files\[\d+\]", f.field):
                problems.append(f"file field {f.field!r} must be named files[n]")
        for k in rec.form:
            if k != "payload_json":
                problems.append(f"unexpected form field {k!r}")
        return problems
