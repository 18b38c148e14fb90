"""Discord's own OpenAPI description, used by the fake Discord API to stay honest.

The spec lives outside the project (``../shared/specs/discord-openapi.json``, found by
:mod:`tests.fakes.specs`; ``CIRCLEKEEPER_DISCORD_SPEC`` names another file) and is reference
data: when it is absent every check here is skipped, the fake falls back to its own route
table, and the test run says so in its summary.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tests.fakes import specs

SPEC_FILE = specs.DISCORD


def spec_path() -> Path | None:
    override = os.environ.get("CIRCLEKEEPER_DISCORD_SPEC")
    return Path(override) if override else specs.spec_file(SPEC_FILE)


@dataclass(frozen=True)
class RouteMatch:
    template: str
    params: dict[str, str]
    methods: frozenset[str]


def _segments(template: str) -> list[str]:
    return [s for s in template.split("/") if s]


class RouteTable:
    """Matches concrete paths against templates like ``/channels/{channel_id}/messages``.

    Literal segments win over parameters, left to right, so ``/users/@me`` is not read
    as ``/users/{user_id}`` and ``.../messages/pins`` is not a message id.
    """

    def __init__(self, templates: dict[str, set[str]]) -> None:
        self._templates = {t: frozenset(m.upper() for m in ms) for t, ms in templates.items()}
        self._by_len: dict[int, list[tuple[str, list[str]]]] = {}
        for t in self._templates:
            segs = _segments(t)
            self._by_len.setdefault(len(segs), []).append((t, segs))

    def __contains__(self, template: str) -> bool:
        return template in self._templates

    def match(self, path: str) -> RouteMatch | None:
        parts = _segments(path)
        best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
        for template, segs in self._by_len.get(len(parts), []):
            params: dict[str, str] = {}
            key: list[int] = []
            for seg, part in zip(segs, parts, strict=True):
                if seg.startswith("{") and seg.endswith("}"):
                    params[seg[1:-1]] = part
                    key.append(1)
                elif seg == part:
                    key.append(0)
                else:
                    break
            else:
                k = tuple(key)
                if best is None or k < best[0]:
                    best = (k, template, params)
        if best is None:
            return None
        return RouteMatch(best[1], best[2], self._templates[best[1]])


class DiscordSpec:
    """Route/method lookup and request-body key checks against the OpenAPI description."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
        paths: dict[str, Any] = document.get("paths", {})
        self.operations: dict[tuple[str, str], dict[str, Any]] = {}
        templates: dict[str, set[str]] = {}
        for template, item in paths.items():
            shared_params = item.get("parameters", [])
            for method, op in item.items():
                if method == "parameters" or not isinstance(op, dict):
                    continue
                op = dict(op)
                op["parameters"] = list(shared_params) + list(op.get("parameters", []))
                self.operations[(method.upper(), template)] = op
                templates.setdefault(template, set()).add(method.upper())
        self.routes = RouteTable(templates)

    # -- operations -------------------------------------------------------------------
    def operation(self, method: str, template: str) -> dict[str, Any] | None:
        return self.operations.get((method.upper(), template))

    def query_names(self, method: str, template: str) -> set[str]:
        op = self.operation(method, template) or {}
        return {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}

    def auth_optional(self, method: str, template: str) -> bool:
        op = self.operation(method, template) or {}
        security = op.get("security")
        if security is None:
            return False
        return any(not entry for entry in security)

    def body_schema(self, method: str, template: str, content_type: str) -> Any | None:
        op = self.operation(method, template) or {}
        content = (op.get("requestBody") or {}).get("content") or {}
        if content_type in content:
            return content[content_type].get("schema")
        if content:
            # fall back to the JSON schema: multipart payload_json carries the same object
            first = content.get("application/json") or next(iter(content.values()))
            return first.get("schema")
        return None

    def accepts_body(self, method: str, template: str) -> bool:
        op = self.operation(method, template) or {}
        return bool(op.get("requestBody"))

    # -- schema checks ------------------------------------------------------------------
    def resolve(self, schema: Any) -> dict[str, Any]:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            name = ref.rsplit("/", 1)[-1]
            schema = self.schemas.get(name, {})
            seen += 1
            if seen > 50:
                break
        return schema if isinstance(schema, dict) else {}

    def _object_view(self, schema: dict[str, Any]) -> tuple[dict[str, Any] | None, set[str], Any]:
        props: dict[str, Any] | None = None
        required: set[str] = set(schema.get("required", []))
        additional = schema.get("additionalProperties")
        if "properties" in schema:
            props = dict(schema["properties"])
        for part in schema.get("allOf", []):
            p, r, a = self._object_view(self.resolve(part))
            if p is not None:
                props = {**(props or {}), **p}
            required |= r
            if a is not None and additional is None:
                additional = a
        return props, required, additional

    def check(
        self,
        schema: Any,
        value: Any,
        where: str = "body",
        depth: int = 0,
        ignore: Callable[[str], bool] | None = None,
    ) -> list[str]:
        """Problems with ``value`` against ``schema``: unknown keys, missing required
        keys, wrong kind of value, values outside an enum. Types are compared loosely
        (Discord accepts snowflakes and permission integers as strings). Problems for which
        ``ignore`` says yes are dropped where they arise (before alternatives are compared)."""
        found = self._check(schema, value, where, depth, ignore)
        return [e for e in found if not (ignore and ignore(e))]

    def _check(
        self, schema: Any, value: Any, where: str, depth: int, ignore: Callable[[str], bool] | None
    ) -> list[str]:
        if depth > 40:
            return []
        s = self.resolve(schema)
        errors: list[str] = []
        for key in ("oneOf", "anyOf"):
            if key in s:
                alternatives = [self.check(alt, value, where, depth + 1, ignore) for alt in s[key]]
                if alternatives and all(alternatives):
                    # report the closest alternative of the right kind (not "expected null")
                    kind_ok = [
                        a for a in alternatives if not a[0].startswith(f"{where}: expected ")
                    ]
                    errors.extend(min(kind_ok or alternatives, key=len))
        if "allOf" in s and not isinstance(value, dict):
            for part in s["allOf"]:
                errors.extend(self.check(part, value, where, depth + 1, ignore))
        types = s.get("type")
        if types is not None:
            type_list = types if isinstance(types, list) else [types]
            if not any(_kind_ok(t, value) for t in type_list):
                errors.append(
                    f"{where}: expected {'/'.join(type_list)}, got {type(value).__name__}"
                )
                return errors
        if "enum" in s and value is not None:
            allowed = {str(v) for v in s["enum"]}
            if str(value) not in allowed and not (
                isinstance(value, bool) and str(value).lower() in allowed
            ):
                errors.append(f"{where}: {value!r} not one of {sorted(allowed)}")
        if "const" in s and value is not None and str(value) != str(s["const"]):
            errors.append(f"{where}: {value!r} is not {s['const']!r}")
        if isinstance(value, dict):
            props, required, additional = self._object_view(s)
            if props is not None:
                for k, v in value.items():
                    if k in props:
                        errors.extend(self.check(props[k], v, f"{where}.{k}", depth + 1, ignore))
                    elif isinstance(additional, dict):
                        errors.extend(self.check(additional, v, f"{where}.{k}", depth + 1, ignore))
                    elif additional is True:
                        continue
                    else:
                        errors.append(f"{where}: unknown key {k!r}")
                for r in sorted(required):
                    if r not in value:
                        errors.append(f"{where}: missing required key {r!r}")
        if isinstance(value, list) and "items" in s:
            for i, item in enumerate(value):
                errors.extend(self.check(s["items"], item, f"{where}[{i}]", depth + 1, ignore))
        return errors


_INT_RE = re.compile(r"^-?\d+$")


def _kind_ok(t: str, value: Any) -> bool:
    if t == "null":
        return value is None
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, str) and bool(_INT_RE.match(value)))
    if t == "number":
        if isinstance(value, bool):
            return False
        if isinstance(value, int | float):
            return True
        try:
            float(value)
        except (TypeError, ValueError):
            return False
        return isinstance(value, str)
    if t == "string":
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    return True


@lru_cache(maxsize=4)
def _load(path: str) -> DiscordSpec | None:
    p = Path(path)
    if not p.is_file():
        return None
    with p.open(encoding="utf-8") as fh:
        return DiscordSpec(json.load(fh))


def load_spec(path: Path | None = None) -> DiscordSpec | None:
    """The parsed spec, or ``None`` when the file is absent (checks are then skipped)."""
    path = path or spec_path()
    return None if path is None else _load(str(path))
