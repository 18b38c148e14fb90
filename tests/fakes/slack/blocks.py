"""Block Kit and view validation for the fake Slack Web API.

This is not the whole of Block Kit: it checks the structure and the documented length limits of
the blocks, elements and composition objects a bot like circlekeeper uses, so that a message or
view that real Slack would reject with ``invalid_blocks`` / ``invalid_arguments`` is rejected here
too. Each function returns a list of human-readable problems (empty means valid).
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

_TEXT_TYPES = {"plain_text", "mrkdwn"}
_BLOCK_TYPES = {
    "actions",
    "context",
    "divider",
    "file",
    "header",
    "image",
    "input",
    "rich_text",
    "section",
    "video",
}
_INTERACTIVE = {
    "button",
    "channels_select",
    "checkboxes",
    "conversations_select",
    "datepicker",
    "datetimepicker",
    "external_select",
    "multi_channels_select",
    "multi_conversations_select",
    "multi_external_select",
    "multi_static_select",
    "multi_users_select",
    "overflow",
    "radio_buttons",
    "static_select",
    "timepicker",
    "users_select",
}
_INPUT_ELEMENTS = _INTERACTIVE - {"button", "overflow"} | {
    "plain_text_input",
    "number_input",
    "email_text_input",
    "url_text_input",
    "file_input",
    "rich_text_input",
}
_ACCESSORY = (_INTERACTIVE | {"image"}) - {"datetimepicker"}


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{message} [json-pointer:{path}]")

    # -- composition objects -------------------------------------------------------------
    def text(
        self,
        obj: Any,
        path: str,
        *,
        max_len: int,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.add(path, "missing required field: text object")
            return
        if not isinstance(obj, dict):
            self.add(path, "must be a text object")
            return
        kind = obj.get("type")
        if kind not in _TEXT_TYPES:
            self.add(f"{path}/type", f"invalid text object type: {kind!r}")
            return
        if plain_only and kind != "plain_text":
            self.add(f"{path}/type", "must be plain_text")
        value = obj.get("text")
        if not isinstance(value, str) or value == "":
            self.add(f"{path}/text", "must be a non-empty string")
            return
        if len(value) > max_len:
            self.add(f"{path}/text", f"must be less than {max_len + 1} characters")
        allowed = {"type", "text", "emoji", "verbatim"}
        extra = set(obj) - allowed
        if extra:
            self.add(path, f"unknown fields: {sorted(extra)}")

    def option(self, obj: Any, path: str) -> None:
        if not isinstance(obj, dict):
            self.add(path, "must be an option object")
            return
        self.text(obj.get("text"), f"{path}/text", max_len=75)
        value = obj.get("value")
        if not isinstance(value, str) or len(value) > 150:
            self.add(f"{path}/value", "must be a string of at most 150 characters")
        if "description" in obj:
            self.text(obj["description"], f"{path}/description", max_len=75, plain_only=True)

    def confirm(self, obj: Any, path: str) -> None:
        if not isinstance(obj, dict):
            self.add(path, "must be a confirm object")
            return
        self.text(obj.get("title"), f"{path}/title", max_len=100, plain_only=True)
        self.text(obj.get("text"), f"{path}/text", max_len=300)
        self.text(obj.get("confirm"), f"{path}/confirm", max_len=30, plain_only=True)
        self.text(obj.get("deny"), f"{path}/deny", max_len=30, plain_only=True)

    # -- elements ------------------------------------------------------------------------
    def action_id(self, element: dict[str, Any], path: str) -> None:
        if "action_id" in element:
            action_id = element["action_id"]
            if not isinstance(action_id, str) or not 0 < len(action_id) <= 255:
                self.add(f"{path}/action_id", "must be 1 to 255 characters")

    def element(self, element: Any, path: str, allowed: set[str]) -> None:
        if not isinstance(element, dict):
            self.add(path, "must be an element object")
            return
        kind = element.get("type")
        if kind not in allowed:
            self.add(f"{path}/type", f"element type {kind!r} is not allowed here")
            return
        self.action_id(element, path)
        if "confirm" in element:
            self.confirm(element["confirm"], f"{path}/confirm")
        if "placeholder" in element:
            self.text(element["placeholder"], f"{path}/placeholder", max_len=150, plain_only=True)
        if kind == "button":
            self.text(element.get("text"), f"{path}/text", max_len=75, plain_only=True)
            value = element.get("value")
            if value is not None and (not isinstance(value, str) or len(value) > 2000):
                self.add(f"{path}/value", "must be a string of at most 2000 characters")
            url = element.get("url")
            if url is not None and (not isinstance(url, str) or len(url) > 3000):
                self.add(f"{path}/url", "must be a string of at most 3000 characters")
            style = element.get("style")
            if style is not None and style not in {"primary", "danger"}:
                self.add(f"{path}/style", "must be primary or danger")
            if "accessibility_label" in element:
                label = element["accessibility_label"]
                if not isinstance(label, str) or len(label) > 75:
                    self.add(f"{path}/accessibility_label", "must be at most 75 characters")
        elif kind in {"static_select", "multi_static_select", "radio_buttons", "checkboxes"}:
            options = element.get("options")
            groups = element.get("option_groups")
            if options is None and groups is None:
                self.add(path, "options or option_groups is required")
            limit = 10 if kind in {"radio_buttons", "checkboxes"} else 100
            if options is not None:
                if not isinstance(options, list) or not 0 < len(options) <= limit:
                    self.add(f"{path}/options", f"must have 1 to {limit} options")
                else:
                    for i, opt in enumerate(options):
                        self.option(opt, f"{path}/options/{i}")
        elif kind == "overflow":
            options = element.get("options")
            if not isinstance(options, list) or not 1 <= len(options) <= 5:
                self.add(f"{path}/options", "must have 1 to 5 options")
            else:
                for i, opt in enumerate(options):
                    self.option(opt, f"{path}/options/{i}")
        elif kind == "plain_text_input":
            for key in ("min_length", "max_length"):
                if key in element:
                    value = element[key]
                    if not isinstance(value, int) or not 0 <= value <= 3000:
                        self.add(f"{path}/{key}", "must be an integer from 0 to 3000")
            initial = element.get("initial_value")
            if initial is not None and not isinstance(initial, str):
                self.add(f"{path}/initial_value", "must be a string")
        elif kind == "image":
            if not isinstance(element.get("alt_text"), str) or not element.get("alt_text"):
                self.add(f"{path}/alt_text", "missing required field: alt_text")
            if "image_url" not in element and "slack_file" not in element:
                self.add(path, "image_url or slack_file is required")

    # -- blocks --------------------------------------------------------------------------
    def block(self, block: Any, path: str, seen_block_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.add(path, "must be a block object")
            return
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            self.add(f"{path}/type", f"unknown block type: {kind!r}")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not 0 < len(block_id) <= 255:
                self.add(f"{path}/block_id", "must be 1 to 255 characters")
            elif block_id in seen_block_ids:
                self.add(f"{path}/block_id", f"duplicate block_id: {block_id}")
            else:
                seen_block_ids.add(block_id)
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.add(path, "section needs text or fields")
            if "text" in block:
                self.text(block["text"], f"{path}/text", max_len=3000)
            if "fields" in block:
                fields = block["fields"]
                if not isinstance(fields, list) or not 0 < len(fields) <= 10:
                    self.add(f"{path}/fields", "must have 1 to 10 fields")
                else:
                    for i, field in enumerate(fields):
                        self.text(field, f"{path}/fields/{i}", max_len=2000)
            if "accessory" in block:
                self.element(block["accessory"], f"{path}/accessory", _ACCESSORY)
        elif kind == "header":
            self.text(block.get("text"), f"{path}/text", max_len=150, plain_only=True)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 0 < len(elements) <= 10:
                self.add(f"{path}/elements", "must have 1 to 10 elements")
                return
            for i, el in enumerate(elements):
                if isinstance(el, dict) and el.get("type") == "image":
                    self.element(el, f"{path}/elements/{i}", {"image"})
                else:
                    self.text(el, f"{path}/elements/{i}", max_len=3000)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 0 < len(elements) <= 25:
                self.add(f"{path}/elements", "must have 1 to 25 elements")
                return
            action_ids: set[str] = set()
            for i, el in enumerate(elements):
                self.element(el, f"{path}/elements/{i}", _INTERACTIVE)
                if isinstance(el, dict) and isinstance(el.get("action_id"), str):
                    if el["action_id"] in action_ids:
                        self.add(f"{path}/elements/{i}/action_id", "duplicate action_id in block")
                    action_ids.add(el["action_id"])
        elif kind == "input":
            self.text(block.get("label"), f"{path}/label", max_len=2000, plain_only=True)
            if "hint" in block:
                self.text(block["hint"], f"{path}/hint", max_len=2000, plain_only=True)
            if "element" not in block:
                self.add(path, "missing required field: element")
            else:
                self.element(block["element"], f"{path}/element", _INPUT_ELEMENTS)
        elif kind == "image":
            self.element({**block, "type": "image"}, path, {"image"})
            if "title" in block:
                self.text(block["title"], f"{path}/title", max_len=2000, plain_only=True)
        elif kind == "divider":
            extra = set(block) - {"type", "block_id"}
            if extra:
                self.add(path, f"unknown fields: {sorted(extra)}")


def validate_blocks(blocks: Any, *, limit: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Problems with a list of blocks, as Slack would report them for ``invalid_blocks``."""
    checker = _Checker()
    if not isinstance(blocks, list):
        checker.add("", "blocks must be an array")
        return checker.problems
    if len(blocks) > limit:
        checker.add("", f"no more than {limit} items allowed")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        checker.block(block, f"/blocks/{i}", seen)
    return checker.problems


def validate_view(view: Any, *, expect: str | None = None) -> list[str]:
    """Problems with a view payload (modal or home tab)."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.add("/view", "view must be an object")
        return checker.problems
    kind = view.get("type")
    if kind not in {"modal", "home"}:
        checker.add("/view/type", f"invalid view type: {kind!r}")
        return checker.problems
    if expect is not None and kind != expect:
        checker.add("/view/type", f"must be {expect}")
    if kind == "modal":
        checker.text(view.get("title"), "/view/title", max_len=24, plain_only=True)
        if "submit" in view:
            checker.text(view["submit"], "/view/submit", max_len=24, plain_only=True)
        if "close" in view:
            checker.text(view["close"], "/view/close", max_len=24, plain_only=True)
        blocks = view.get("blocks")
        if (
            isinstance(blocks, list)
            and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
            and "submit" not in view
        ):
            checker.add("/view/submit", "a modal with input blocks needs a submit button")
    for key, limit in (("callback_id", 255), ("external_id", 255), ("private_metadata", 3000)):
        value = view.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            checker.add(f"/view/{key}", f"must be a string of at most {limit} characters")
    blocks = view.get("blocks")
    if blocks is None:
        checker.add("/view/blocks", "missing required field: blocks")
    else:
        for problem in validate_blocks(blocks, limit=MAX_VIEW_BLOCKS):
            checker.problems.append(
                problem.replace("[json-pointer:/blocks", "[json-pointer:/view/blocks")
            )
    return checker.problems


def validate_metadata(metadata: Any) -> str | None:
    """The Slack error code for a bad ``metadata`` argument, or None when it is fine."""
    if not isinstance(metadata, dict):
        return "invalid_metadata_format"
    event_type = metadata.get("event_type")
    payload = metadata.get("event_payload")
    if not isinstance(event_type, str) or not event_type or len(event_type) > 255:
        return "invalid_metadata_format"
    if not all(ch.isalnum() or ch in "_." for ch in event_type):
        return "invalid_metadata_format"
    if not isinstance(payload, dict):
        return "invalid_metadata_schema"
    return None
