"""``/circle`` as one Discord application command, generated from the command declarations.

Every declared command becomes a sub-command (``/circle info``) or a sub-command in a group
(``/circle rules show``) with typed options: numbers are integers with their limits, choices are
Discord choices, people are user pickers, circles autocomplete. Replies, permissions and help
still come from the same declarations through the router; Discord only collects the values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.commands import words
from bot.commands.spec import CircleUse, CommandSpec, Option, OptType, Registry
from bot.i18n import LANGUAGES, N_, translate

ROOT = "circle"

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6

MAX_OPTIONS = 25
MAX_LISTED_CHOICES = 4
MAX_COMMAND_CHARS = 4000
DESCRIPTION_MAX = 100

# Discord's locale codes for the languages the catalog has (English is the default text).
DISCORD_LOCALES: dict[str, tuple[str, ...]] = {"es": ("es-ES", "es-419")}

ROOT_HELP = N_("Healing circles: meetings, ground rules, prompts and support.")
CIRCLE_OPTION_HELP = N_("which circle")
GROUP_HELP = N_("/circle {group} commands")

_MENTIONS_TOGETHER = re.compile(r">\s*<")
_COMMAND_TEXT = re.compile(r"/circle((?: [a-z][a-z-]*){1,2})\b(?!-)")

NAMES = {
    "manage": N_("name:manage"),
    "manage archive": N_("name:manage archive"),
    "manage decline": N_("name:manage decline"),
    "manage handover": N_("name:manage handover"),
    "manage transfer": N_("name:manage transfer"),
    "mentor assign": N_("name:mentor assign"),
    "reminders show": N_("name:reminders show"),
    "schedule pause": N_("name:schedule pause"),
    "schedule resume": N_("name:schedule resume"),
    "schedule unskip": N_("name:schedule unskip"),
    "session here": N_("name:session here"),
    "/circle": N_("name:/circle"),
    "add": N_("name:add"),
    "attendance": N_("name:attendance"),
    "calendar": N_("name:calendar"),
    "consult": N_("name:consult"),
    "create": N_("name:create"),
    "export": N_("name:export"),
    "forget-me": N_("name:forget-me"),
    "help": N_("name:help"),
    "info": N_("name:info"),
    "join": N_("name:join"),
    "leave": N_("name:leave"),
    "list": N_("name:list"),
    "mentor": N_("name:mentor"),
    "mentor ack": N_("name:mentor ack"),
    "mentor chart": N_("name:mentor chart"),
    "mentor invite": N_("name:mentor invite"),
    "mentor reply": N_("name:mentor reply"),
    "mentor stage": N_("name:mentor stage"),
    "mentor status": N_("name:mentor status"),
    "notify": N_("name:notify"),
    "privacy": N_("name:privacy"),
    "prompt": N_("name:prompt"),
    "prompt add": N_("name:prompt add"),
    "prompt list": N_("name:prompt list"),
    "prompt post": N_("name:prompt post"),
    "prompt schedule": N_("name:prompt schedule"),
    "reminders": N_("name:reminders"),
    "reminders set": N_("name:reminders set"),
    "remove": N_("name:remove"),
    "resources": N_("name:resources"),
    "rsvp": N_("name:rsvp"),
    "rules": N_("name:rules"),
    "rules agree": N_("name:rules agree"),
    "rules edit": N_("name:rules edit"),
    "rules show": N_("name:rules show"),
    "schedule": N_("name:schedule"),
    "schedule move": N_("name:schedule move"),
    "schedule set": N_("name:schedule set"),
    "schedule show": N_("name:schedule show"),
    "schedule skip": N_("name:schedule skip"),
    "session": N_("name:session"),
    "session end": N_("name:session end"),
    "session next": N_("name:session next"),
    "session pass": N_("name:session pass"),
    "session start": N_("name:session start"),
}
"""Each command word of ``/circle`` (by its place: ``rules show``) and the msgid of its name in
other languages; Discord shows these to people whose client speaks that language. Every mounted
command needs one (tests/test_i18n.py checks)."""
_NAME = re.compile(r"^[-_\w]{1,32}$")


@dataclass(frozen=True)
class MountedOption:
    """One Discord option and the declared option it carries (None: the implicit circle)."""

    name: str
    type: int
    source: Option | None

    @property
    def autocomplete(self) -> bool:
        """Circles, choices too many to list (they count against Discord's size limit), and
        options with suggestions (time zones)."""
        src = self.source
        return (
            src is None
            or src.type is OptType.CIRCLE
            or (src.type is OptType.CHOICE and len(src.choices) > MAX_LISTED_CHOICES)
            or bool(src.suggestions)
        )


@dataclass(frozen=True)
class Mounted:
    spec: CommandSpec
    words: tuple[str, ...]  # below /circle: ("info",) or ("rules", "show")
    options: tuple[MountedOption, ...]

    def option(self, name: str) -> MountedOption | None:
        return next((o for o in self.options if o.name == name), None)


def _localized_names(english: str, translated: dict[str, str]) -> dict[str, Any]:
    """``name`` and ``name_localizations`` (lower case, one word: what Discord accepts)."""
    out: dict[str, Any] = {"name": english}
    local: dict[str, str] = {}
    for lang, text in translated.items():
        text = text.strip().lower().replace(" ", "_")
        if text != english and _NAME.match(text):
            for code in DISCORD_LOCALES.get(lang, ()):
                local[code] = text
    if local:
        out["name_localizations"] = local
    return out


def _command_name(path: str, english: str) -> dict[str, Any]:
    msgid = NAMES.get(path)
    found = {lang: translate(msgid, lang) for lang in LANGUAGES if msgid and lang != "en"}
    return _localized_names(english, {k: v for k, v in found.items() if v != msgid})


def _option_name(name: str) -> dict[str, Any]:
    return _localized_names(name, {lang: words.label(name, lang) for lang in LANGUAGES})


def _description(
    msgid: str,
    limit: int = DESCRIPTION_MAX,
    group: str | None = None,
    **values: object,
) -> dict[str, Any]:
    """``description`` (English) and ``description_localizations`` from the catalog; a
    ``group`` word is shown by its name in each language (``/circle acuerdos``)."""

    def filled(lang: str) -> dict[str, object]:
        if group is None:
            return values
        found = translate(NAMES[group], lang) if group in NAMES and lang != "en" else group
        return {**values, "group": group if found == NAMES.get(group) else found}

    def cut(text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    whole = translate(msgid, "en", **filled("en"))
    english = cut(whole)
    out: dict[str, Any] = {"description": english or "-"}
    local: dict[str, str] = {}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        translated = translate(msgid, lang, **filled(lang))
        text = cut(translated)
        # Compared before cutting: a translation cut to the same few letters is still one.
        if text and translated != whole:
            for code in DISCORD_LOCALES.get(lang, ()):
                local[code] = text
    if local:
        out["description_localizations"] = local
    return out


def _option_type(opt: Option) -> int:
    if opt.type is OptType.INT:
        return INTEGER
    if opt.type is OptType.BOOL:
        return BOOLEAN
    if opt.type is OptType.USER:
        return USER
    return STRING


def _option_payload(mo: MountedOption, limit: int) -> dict[str, Any]:
    opt = mo.source
    if opt is None:
        return {
            "type": STRING,
            **_option_name(mo.name),
            **_description(CIRCLE_OPTION_HELP, limit),
            "required": False,
            "autocomplete": True,
            "max_length": 100,
        }
    out: dict[str, Any] = {
        "type": mo.type,
        **_option_name(mo.name),
        **_description(opt.help, limit),
        "required": opt.required,
    }
    match opt.type:
        case OptType.INT:
            if opt.min is not None:
                out["min_value"] = opt.min
            if opt.max is not None:
                out["max_value"] = opt.max
        case OptType.CHOICE if mo.autocomplete:
            out["autocomplete"] = True
            out["max_length"] = 100
        case OptType.CHOICE:
            out["choices"] = [_choice(c) for c in opt.choices]
        case OptType.CIRCLE:
            out["autocomplete"] = True
            out["max_length"] = 100
        case OptType.TEXT:
            out["max_length"] = max(1, min(opt.max_length, 6000))
        case OptType.WORD | OptType.ZONE if opt.suggestions:
            out["autocomplete"] = True
            out["max_length"] = 100
        case OptType.WORD | OptType.DATE | OptType.TIME | OptType.ZONE:
            out["max_length"] = 100
        case OptType.USERS:
            out["max_length"] = 2000
        case _:
            pass
    return out


def _choice(value: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": value, "value": value}
    local: dict[str, str] = {}
    for lang in LANGUAGES:
        shown = words.shown(value, lang)
        if shown == value:
            shown = translate(value, lang)
        if lang != "en" and shown != value:
            for code in DISCORD_LOCALES.get(lang, ()):
                local[code] = shown[:100]
    if local:
        out["name_localizations"] = local
    return out


def _mounted_options(spec: CommandSpec) -> tuple[MountedOption, ...]:
    opts = [MountedOption(o.name, _option_type(o), o) for o in spec.options]
    if spec.circle is not CircleUse.NONE and spec.option("circle") is None:
        opts.append(MountedOption("circle", STRING, None))
    # Discord wants required options first; values travel by name, so order is free.
    required = [o for o in opts if o.source is not None and o.source.required]
    return tuple(required + [o for o in opts if o not in required])


class CommandMap:
    """The generated ``/circle`` command and the way back from an interaction to a spec."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.mounted: dict[tuple[str, ...], Mounted] = {}
        groups: dict[str, list[CommandSpec]] = {}
        for spec in registry:
            groups.setdefault(spec.path[0], []).append(spec)
        for first, specs in groups.items():
            leaves = [s for s in specs if len(s.path) == 1]
            nested = [s for s in specs if len(s.path) > 1]
            for spec in leaves:
                # a word that is both a command and a group: the command becomes "<word> run"
                words = (first, "run") if nested else (first,)
                self.mounted[words] = Mounted(spec, words, _mounted_options(spec))
            for spec in nested:
                words = (first, "-".join(spec.path[1:]))
                self.mounted[words] = Mounted(spec, words, _mounted_options(spec))
        self._by_spec = {m.spec.path: m for m in self.mounted.values()}
        self.command_id: str | None = None  # Discord's id of /circle, known once synced

    def with_mentions(self, text: str) -> str:
        """``/circle rules show`` in a reply becomes a command mention, which Discord shows as
        a button in the reader's own language (``/círculo acuerdos ver``) that opens the
        command. Text stays as it is until the command's id is known."""
        if self.command_id is None or "/circle " not in text:
            return text

        def mention(match: re.Match[str]) -> str:
            said = match.group(1).split()
            for n in (2, 1):
                m = self._by_spec.get(tuple(said[:n]))
                if m is not None and len(said) >= n:
                    rest = " ".join(said[n:])
                    shown = f"</{ROOT} {' '.join(m.words)}:{self.command_id}>"
                    return shown + (" " + rest if rest else "")
            return match.group(0)

        return _COMMAND_TEXT.sub(mention, text)

    def __iter__(self) -> Iterator[Mounted]:
        return iter(self.mounted.values())

    def for_spec(self, spec: CommandSpec) -> Mounted:
        return self._by_spec[spec.path]

    def payload(self) -> dict[str, Any]:
        """The JSON for Discord's bulk overwrite.

        Discord counts every name, description and choice of the whole ``/circle`` tree
        (the longest translation of each) against 4000 characters, so descriptions are cut
        at a word as far as needed, options first; ``/circle help`` has the full text."""
        for sub_limit, opt_limit in _LIMITS:
            body = self._payload(sub_limit, opt_limit)
            if command_chars(body) <= MAX_COMMAND_CHARS:
                return body
        raise ValueError("the /circle command is larger than Discord allows (4000 characters)")

    def _payload(self, limit: int, opt_limit: int | None = None) -> dict[str, Any]:
        opt_limit = opt_limit or limit
        top: dict[str, dict[str, Any]] = {}
        for m in self.mounted.values():
            sub = {
                "type": SUB_COMMAND,
                **_command_name(" ".join(m.words), m.words[-1]),
                **_description(m.spec.help, limit),
                "options": [_option_payload(o, opt_limit) for o in m.options],
            }
            if len(m.words) == 1:
                top[m.words[0]] = sub
                continue
            group = top.setdefault(
                m.words[0],
                {
                    "type": SUB_COMMAND_GROUP,
                    **_command_name(m.words[0], m.words[0]),
                    **_description(GROUP_HELP, limit, group=m.words[0]),
                    "options": [],
                },
            )
            group["options"].append(sub)
        if len(top) > MAX_OPTIONS or any(len(g["options"]) > MAX_OPTIONS for g in top.values()):
            raise ValueError("/circle has more sub-commands than Discord allows (25 per level)")
        return {
            "type": 1,
            **_command_name("/circle", ROOT),
            **_description(ROOT_HELP),
            "options": list(top.values()),
            "contexts": [0],
            "integration_types": [0],
            "nsfw": False,
        }

    def resolve(self, data: dict[str, Any]) -> tuple[Mounted, dict[str, Any], str | None] | None:
        """From an interaction's ``data``: the command, its raw option values, the focused one."""
        if data.get("name") != ROOT:
            return None
        words: list[str] = []
        options: list[dict[str, Any]] = list(data.get("options") or [])
        while len(options) == 1 and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            words.append(str(options[0]["name"]))
            options = list(options[0].get("options") or [])
        mounted = self.mounted.get(tuple(words))
        if mounted is None:
            return None
        values: dict[str, Any] = {}
        focused: str | None = None
        for o in options:
            values[str(o["name"])] = o.get("value")
            if o.get("focused"):
                focused = str(o["name"])
        return mounted, values, focused

    @staticmethod
    def router_values(mounted: Mounted, raw: dict[str, Any]) -> dict[str, str | list[str]]:
        """Discord's typed values as the strings the router converts (and checks) itself."""
        out: dict[str, str | list[str]] = {}
        for name, value in raw.items():
            mo = mounted.option(name)
            if mo is None or value is None:
                continue
            if isinstance(value, bool):
                out[name] = "yes" if value else "no"
            elif mo.source is not None and mo.source.type is OptType.USERS:
                out[name] = _MENTIONS_TOGETHER.sub("> <", str(value))
            else:
                out[name] = str(value)
        return out


_LIMITS = (
    (100, 60),
    (100, 40),
    (80, 30),
    (70, 24),
    (60, 20),
    (50, 20),
    (45, 18),
    (40, 16),
    (40, 12),
    (30, 10),
    (30, 8),
    (24, 10),
    (24, 8),
)


def _longest(obj: dict[str, Any], key: str) -> int:
    local = obj.get(f"{key}_localizations") or {}
    return max([len(str(obj.get(key, "")))] + [len(str(v)) for v in local.values()])


def command_chars(cmd: dict[str, Any]) -> int:
    """What Discord counts towards its 4000-character limit: names, descriptions and
    choices of the command and all its options, each at its longest translation."""

    def walk(opts: list[dict[str, Any]]) -> int:
        n = 0
        for o in opts:
            n += _longest(o, "name") + _longest(o, "description")
            for c in o.get("choices") or []:
                n += _longest(c, "name") + len(str(c["value"]))
            n += walk(o.get("options") or [])
        return n

    return _longest(cmd, "name") + _longest(cmd, "description") + walk(cmd.get("options") or [])
