"""Discord's validation of a message body (content, embeds, components): 50035 and 50006."""

from __future__ import annotations

from typing import Any

from tests.fakes.discord.constants import DiscordHTTPError, _form_error
from tests.fakes.discord.records import RecordedFile


class MessageChecks:
    """Message and component validation, shared by channel messages and interaction replies."""

    def _validate_message(
        self, payload: dict[str, Any], files: list[RecordedFile], *, edit: bool = False
    ) -> None:
        content = payload.get("content")
        if content is not None and len(str(content)) > 2000:
            raise _form_error(
                ["content"], "Must be 2000 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
            )
        embeds = payload.get("embeds") or []
        if len(embeds) > 10:
            raise _form_error(["embeds"], "Must be 10 or fewer in length.")
        total = 0
        for i, e in enumerate(embeds):
            for key, limit in (("title", 256), ("description", 4096)):
                if e.get(key) and len(str(e[key])) > limit:
                    raise _form_error(["embeds", i, key], f"Must be {limit} or fewer in length.")
                total += len(str(e.get(key) or ""))
            for j, f in enumerate(e.get("fields") or []):
                if not f.get("name") or not f.get("value"):
                    raise _form_error(
                        ["embeds", i, "fields", j], "Field name and value are required"
                    )
                total += len(str(f["name"])) + len(str(f["value"]))
        if total > 6000:
            raise _form_error(["embeds"], "Embed size exceeds maximum size of 6000")
        self._validate_components(payload.get("components") or [], int(payload.get("flags") or 0))
        if not edit and not (
            content
            or embeds
            or files
            or payload.get("components")
            or payload.get("sticker_ids")
            or payload.get("poll")
        ):
            raise DiscordHTTPError(400, 50006)
        nonce = payload.get("nonce")
        if nonce is not None and isinstance(nonce, str) and len(nonce) > 25:
            raise _form_error(["nonce"], "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")

    def _validate_components(self, components: list[dict[str, Any]], flags: int) -> None:
        if flags & (1 << 15):
            return  # components v2: accepted, not validated in depth
        if len(components) > 5:
            raise _form_error(["components"], "Must be 5 or fewer in length.")
        custom_ids: set[str] = set()
        for i, row in enumerate(components):
            if row.get("type") != 1:
                raise _form_error(
                    ["components", i, "type"], "Top-level components must be action rows"
                )
            inner = row.get("components") or []
            if not 1 <= len(inner) <= 5:
                raise _form_error(
                    ["components", i, "components"], "Action rows hold 1 to 5 components"
                )
            for j, c in enumerate(inner):
                p: list[str | int] = ["components", i, "components", j]
                ctype = c.get("type")
                if ctype == 2:
                    style = int(c.get("style") or 0)
                    if style == 5:
                        if not c.get("url") or c.get("custom_id"):
                            raise _form_error(p, "Link buttons need a url and no custom_id")
                    elif style in (1, 2, 3, 4):
                        if not c.get("custom_id"):
                            raise _form_error(
                                [*p, "custom_id"], "This field is required", "BASE_TYPE_REQUIRED"
                            )
                    elif style != 6:
                        raise _form_error([*p, "style"], "Value is not a valid button style")
                    if not c.get("label") and not c.get("emoji"):
                        raise _form_error([*p, "label"], "A button needs a label or an emoji")
                    if c.get("label") and len(c["label"]) > 80:
                        raise _form_error([*p, "label"], "Must be 80 or fewer in length.")
                elif ctype in (3, 5, 6, 7, 8):
                    if len(inner) != 1:
                        raise _form_error(p, "A select menu fills its action row")
                    if ctype == 3 and not 1 <= len(c.get("options") or []) <= 25:
                        raise _form_error([*p, "options"], "Select menus have 1 to 25 options")
                else:
                    raise _form_error(
                        [*p, "type"], "Component type not allowed in a message action row"
                    )
                cid = c.get("custom_id")
                if cid is not None:
                    if not 1 <= len(cid) <= 100:
                        raise _form_error([*p, "custom_id"], "Must be between 1 and 100 in length.")
                    if cid in custom_ids:
                        raise _form_error(
                            [*p, "custom_id"],
                            "Component custom id cannot be duplicated",
                            "COMPONENT_CUSTOM_ID_DUPLICATED",
                        )
                    custom_ids.add(cid)
