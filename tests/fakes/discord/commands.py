"""Application commands: sync (PUT/POST/GET, global and guild) with Discord's validation of
names, descriptions, options, choices and size."""

from __future__ import annotations

from typing import Any

from tests.fakes.discord.constants import (
    _NAME_RE,
    OPT_INTEGER,
    OPT_NUMBER,
    OPT_STRING,
    OPT_SUB_COMMAND,
    OPT_SUB_COMMAND_GROUP,
    DiscordHTTPError,
    _form_error,
)
from tests.fakes.discord.permissions import Permissions
from tests.fakes.discord.records import RecordedRequest
from tests.fakes.routing import serves


class Commands(Permissions):
    """Registered commands, validated the way Discord validates them."""

    def command(self, name: str, *, guild: bool | None = None) -> dict[str, Any] | None:
        """A registered chat-input command by name (guild commands first)."""
        pools = []
        if guild in (None, True):
            pools.append(self.guild_commands.get(self.guild_id, []))
        if guild in (None, False):
            pools.append(self.global_commands)
        for pool in pools:
            for c in pool:
                if c["name"] == name and c["type"] == 1:
                    return c
        return None

    def _commands_for(self, guild_id: str | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def _check_app(self, application_id: str) -> None:
        if application_id != self.application_id:
            raise DiscordHTTPError(403, 50001)

    @serves(
        ("GET", "/applications/{application_id}/commands"),
        ("GET", "/applications/{application_id}/guilds/{guild_id}/commands"),
    )
    async def _list_commands(
        self, rec: RecordedRequest, application_id: str, guild_id: str | None = None
    ) -> Any:
        self._check_app(application_id)
        if guild_id is not None:
            self._guild(guild_id)
        return self._commands_for(guild_id)

    @serves(
        ("PUT", "/applications/{application_id}/commands"),
        ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"),
    )
    async def _put_commands(
        self, rec: RecordedRequest, application_id: str, guild_id: str | None = None
    ) -> Any:
        self._check_app(application_id)
        if guild_id is not None:
            self._guild(guild_id)
        body = rec.json
        if not isinstance(body, list):
            raise _form_error([], "Must be an array")
        seen: set[tuple[int, str]] = set()
        built = []
        for i, cmd in enumerate(body):
            self._validate_command(cmd, [i])
            key = (int(cmd.get("type") or 1), cmd["name"])
            if key in seen:
                raise _form_error(
                    [i, "name"],
                    "Application command names must be unique",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                )
            seen.add(key)
            built.append(self._command_obj(cmd, guild_id))
        chat = [c for c in built if c["type"] == 1]
        if len(chat) > 100:
            raise _form_error([], "Maximum number of application commands reached (100)")
        self._commands_for(guild_id)[:] = built
        return built

    @serves(
        ("POST", "/applications/{application_id}/commands"),
        ("POST", "/applications/{application_id}/guilds/{guild_id}/commands"),
    )
    async def _post_command(
        self, rec: RecordedRequest, application_id: str, guild_id: str | None = None
    ) -> Any:
        self._check_app(application_id)
        if guild_id is not None:
            self._guild(guild_id)
        cmd = rec.json or {}
        self._validate_command(cmd, [])
        obj = self._command_obj(cmd, guild_id)
        cmds = self._commands_for(guild_id)
        cmds[:] = [
            c for c in cmds if not (c["name"] == obj["name"] and c["type"] == obj["type"])
        ] + [obj]
        return 201, obj

    def _command_obj(self, cmd: dict[str, Any], guild_id: str | None) -> dict[str, Any]:
        ctype = int(cmd.get("type") or 1)
        key = (guild_id, ctype, cmd["name"])
        cid = self._command_ids.setdefault(key, self.snowflake())
        obj = {
            "id": cid,
            "application_id": self.application_id,
            "version": self.snowflake(),
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description") or "",
            "description_localizations": cmd.get("description_localizations"),
            "options": cmd.get("options") or [],
            "default_member_permissions": (
                str(cmd["default_member_permissions"])
                if cmd.get("default_member_permissions") is not None
                else None
            ),
            "dm_permission": cmd.get("dm_permission", True),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
            "nsfw": bool(cmd.get("nsfw")),
        }
        if guild_id is not None:
            obj["guild_id"] = guild_id
        return obj

    def _validate_command(self, cmd: dict[str, Any], path: list[str | int]) -> None:
        if not isinstance(cmd, dict):
            raise _form_error(path, "Must be an object")
        ctype = int(cmd.get("type") or 1)
        name = cmd.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise _form_error(
                [*path, "name"], "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME"
            )
        desc = cmd.get("description") or ""
        if ctype == 1:
            if name != name.lower():
                raise _form_error(
                    [*path, "name"],
                    "Command name must be lower case",
                    "APPLICATION_COMMAND_INVALID_NAME",
                )
            if not 1 <= len(desc) <= 100:
                raise _form_error(
                    [*path, "description"],
                    "Must be between 1 and 100 in length.",
                    "BASE_TYPE_BAD_LENGTH",
                )
        elif desc:
            raise _form_error(
                [*path, "description"], "Context menu commands cannot have a description"
            )
        options = cmd.get("options") or []
        if ctype != 1 and options:
            raise _form_error([*path, "options"], "Context menu commands cannot have options")
        self._validate_options(options, [*path, "options"], depth=0)
        total = _command_length(cmd)
        if total > 4000:
            raise _form_error(
                path,
                f"Command is too large ({total} > 4000 characters)",
                "APPLICATION_COMMAND_TOO_LARGE",
            )

    def _validate_options(
        self, options: list[dict[str, Any]], path: list[str | int], depth: int
    ) -> None:
        if not isinstance(options, list):
            raise _form_error(path, "Must be an array")
        if len(options) > 25:
            raise _form_error(path, "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        kinds = {int(o.get("type", 0)) in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in options}
        if len(kinds) > 1:
            raise _form_error(
                path,
                "Sub-commands and options cannot be mixed",
                "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            )
        names: set[str] = set()
        optional_seen = False
        for i, o in enumerate(options):
            p: list[str | int] = [*path, i]
            otype = int(o.get("type", 0))
            name = o.get("name")
            if not isinstance(name, str) or not _NAME_RE.match(name) or name != name.lower():
                raise _form_error(
                    [*p, "name"], "Option name is invalid", "APPLICATION_COMMAND_INVALID_NAME"
                )
            if name in names:
                raise _form_error(
                    [*p, "name"],
                    "Option names must be unique",
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                )
            names.add(name)
            if not 1 <= len(o.get("description") or "") <= 100:
                raise _form_error(
                    [*p, "description"],
                    "Must be between 1 and 100 in length.",
                    "BASE_TYPE_BAD_LENGTH",
                )
            if otype not in range(1, 12):
                raise _form_error([*p, "type"], "Value is not a valid option type")
            if otype == OPT_SUB_COMMAND_GROUP:
                if depth != 0:
                    raise _form_error(
                        [*p, "type"], "Sub-command groups can only be nested at the top level"
                    )
                subs = o.get("options") or []
                if not subs or any(int(s.get("type", 0)) != OPT_SUB_COMMAND for s in subs):
                    raise _form_error(
                        [*p, "options"], "Sub-command groups must contain only sub-commands"
                    )
                self._validate_options(subs, [*p, "options"], depth + 1)
                continue
            if otype == OPT_SUB_COMMAND:
                if depth > 1:
                    raise _form_error([*p, "type"], "Sub-commands nested too deep")
                inner = o.get("options") or []
                if any(int(s.get("type", 0)) in (1, 2) for s in inner):
                    raise _form_error([*p, "options"], "Sub-commands cannot contain sub-commands")
                self._validate_options(inner, [*p, "options"], depth + 2)
                continue
            if o.get("required"):
                if optional_seen:
                    raise _form_error(
                        [*p, "required"],
                        "Required options must be placed before non-required options",
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    )
            else:
                optional_seen = True
            choices = o.get("choices")
            if choices:
                if otype not in (OPT_STRING, OPT_INTEGER, OPT_NUMBER):
                    raise _form_error(
                        [*p, "choices"], "Choices are only for string, integer and number options"
                    )
                if len(choices) > 25:
                    raise _form_error(
                        [*p, "choices"], "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH"
                    )
                if o.get("autocomplete"):
                    raise _form_error(
                        [*p, "autocomplete"], "Autocomplete cannot be set with choices"
                    )
                for j, ch in enumerate(choices):
                    if not 1 <= len(str(ch.get("name", ""))) <= 100:
                        raise _form_error(
                            [*p, "choices", j, "name"], "Must be between 1 and 100 in length."
                        )
                    if otype == OPT_STRING and not (
                        isinstance(ch.get("value"), str) and 1 <= len(ch["value"]) <= 100
                    ):
                        raise _form_error(
                            [*p, "choices", j, "value"], "Must be a string of 1 to 100 characters."
                        )
                    if otype == OPT_INTEGER and not (
                        isinstance(ch.get("value"), int) and not isinstance(ch.get("value"), bool)
                    ):
                        raise _form_error([*p, "choices", j, "value"], "Must be an integer.")
            if o.get("autocomplete") and otype not in (OPT_STRING, OPT_INTEGER, OPT_NUMBER):
                raise _form_error(
                    [*p, "autocomplete"],
                    "Autocomplete is only for string, integer and number options",
                )
            if ("min_length" in o or "max_length" in o) and otype != OPT_STRING:
                raise _form_error([*p], "min_length/max_length are only for string options")
            if ("min_value" in o or "max_value" in o) and otype not in (OPT_INTEGER, OPT_NUMBER):
                raise _form_error([*p], "min_value/max_value are only for number options")
            if o.get("options"):
                raise _form_error([*p, "options"], "Only sub-commands and groups have options")


def _command_length(cmd: dict[str, Any]) -> int:
    total = len(cmd.get("name") or "") + len(cmd.get("description") or "")

    def walk(opts: list[dict[str, Any]]) -> int:
        n = 0
        for o in opts or []:
            n += len(o.get("name") or "") + len(o.get("description") or "")
            for c in o.get("choices") or []:
                n += len(str(c.get("name") or "")) + len(str(c.get("value") or ""))
            n += walk(o.get("options") or [])
        return n

    return total + walk(cmd.get("options") or [])
