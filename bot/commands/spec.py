"""Command declarations: each command is declared once, and every platform is generated from it.

A cog method decorated with ``@command(...)`` carries a ``CommandSpec``: its words, typed options,
who may run it and its help. Help text, permission checks, the text grammar, Discord's app
commands and Slack's parser all read the same spec.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from bot.commands import words
from bot.commands.examples import EXAMPLES
from bot.i18n import N_, translate

if TYPE_CHECKING:
    from bot.commands.reply import Reply


class Who(StrEnum):
    """Who may run a command. Organizers may run everything."""

    ANYONE = "anyone"
    MEMBER = "member"  # an active member, leader or mentor of the circle
    LEADER = "leader"
    MENTOR = "mentor"
    ORGANIZER = "organizer"


class OptType(StrEnum):
    TEXT = "text"
    WORD = "word"
    INT = "int"
    CHOICE = "choice"
    USER = "user"
    USERS = "users"
    DATE = "date"
    TIME = "time"
    CIRCLE = "circle"
    BOOL = "bool"
    ZONE = "zone"  # an IANA time zone, converted to its canonical name


class CircleUse(StrEnum):
    """Whether a command acts on one circle (resolved from channel, ``circle:`` or membership)."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"


_PLACEHOLDER = {
    OptType.TEXT: '"…"',
    OptType.WORD: "WORD",
    OptType.INT: "N",
    OptType.DATE: "YYYY-MM-DD",
    OptType.TIME: "HH:MM",
    OptType.CIRCLE: "NAME",
    OptType.BOOL: "yes|no",
    OptType.ZONE: "Area/City",
}


@dataclass(frozen=True)
class Option:
    name: str
    type: OptType
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    default: str | None = None
    rest: bool = False  # a TEXT option that takes every remaining word
    min: int | None = None
    max: int | None = None
    max_length: int = 1000
    suggestions: tuple[str, ...] = ()
    """Values to offer while typing (Discord autocompletes them); any value may be typed."""

    def suggest(self, typed: str, limit: int = 25) -> list[str]:
        """The suggestions that contain what was typed (``los`` → America/Los_Angeles), those
        that start with it first, in their declared order."""
        word = typed.strip().lower().replace(" ", "_")
        hits = [v for v in self.suggestions if word in v.lower()]
        starts = [v for v in hits if any(p.startswith(word) for p in v.lower().split("/"))]
        return (starts + [v for v in hits if v not in starts])[:limit]

    def usage(self, lang: str = "en") -> str:
        """``@member``, ``kind``, ``[role:member|leader]``, ``[text:"…"]``; in Spanish
        ``@miembro``, ``[role:miembro|líder]``: option keys stay, the words people type change."""
        if self.type in (OptType.USER, OptType.USERS):
            label = words.label(self.name, lang)
            shown = "@" + label + (" …" if self.type is OptType.USERS else "")
            return shown if self.required else f"[{shown}]"
        if self.required:
            return words.label(self.name, lang)
        values = "|".join(words.shown(c, lang) for c in self.choices)
        if self.type in _PLACEHOLDER:
            values = "|".join(
                words.placeholder(p, lang) if p in words.PLACEHOLDERS else words.shown(p, lang)
                for p in _PLACEHOLDER[self.type].split("|")
            )
        return f"[{self.name}:{values}]"


Handler = Callable[..., Awaitable["Reply"]]


@dataclass(frozen=True)
class CommandSpec:
    path: tuple[str, ...]
    help: str
    who: frozenset[Who]
    options: tuple[Option, ...] = ()
    circle: CircleUse = CircleUse.REQUIRED
    examples: tuple[str, ...] = ()  # whole lines after ``/circle``, shown in help and errors
    handler: Handler | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def usage(self, lang: str = "en") -> str:
        parts = ["/circle", self.name, *(o.usage(lang) for o in self.options)]
        acts_on_one = self.circle is CircleUse.REQUIRED or (
            self.circle is CircleUse.OPTIONAL and Who.ANYONE not in self.who
        )
        if acts_on_one and not self.option("circle"):
            parts.append(f"[circle:{translate(N_('NAME'), lang)}]")
        return " ".join(parts)

    @property
    def example(self) -> str:
        """One real line to copy (the first example), or the usage when none is declared."""
        return self.example_in("en")

    def example_in(self, lang: str) -> str:
        """The first example as a reader of ``lang`` would type it (examples are catalog
        messages: Spanish ones say ``rsvp sí`` and quote Spanish words)."""
        return f"/circle {translate(self.examples[0], lang)}" if self.examples else self.usage(lang)

    def examples_in(self, lang: str) -> tuple[str, ...]:
        return tuple(translate(e, lang) for e in self.examples)

    def bound(self, handler: Handler) -> CommandSpec:
        return replace(self, handler=handler)


F = TypeVar("F", bound=Callable[..., Any])


def command(
    path: str,
    *,
    who: Iterable[Who],
    help: str,
    options: Iterable[Option] = (),
    circle: CircleUse = CircleUse.REQUIRED,
    examples: Iterable[str] = (),
) -> Callable[[F], F]:
    """Declare a command on a cog method ``async def name(self, ctx, **options) -> Reply``.

    ``examples`` are whole lines after ``/circle``; when none are given here, the table in
    ``bot.commands.examples`` supplies them (help and error messages show the first)."""
    spec = CommandSpec(
        tuple(path.split()), help, frozenset(who), tuple(options), circle, tuple(examples)
    )

    def mark(fn: F) -> F:
        fn.__command_spec__ = spec  # type: ignore[attr-defined]
        return fn

    return mark


class Cog:
    """A feature module: a set of declared commands. (Forgetting a person is not per cog:
    ``storage.models.PERSON_COLUMNS`` lists every column that names one, for all features.)"""

    def commands(self) -> list[CommandSpec]:
        found = []
        for name in dir(type(self)):
            fn = getattr(self, name)
            spec = getattr(fn, "__command_spec__", None)
            if isinstance(spec, CommandSpec):
                found.append(spec.bound(fn))
        return found


class Registry:
    """Every command of every cog, by path."""

    def __init__(self, cogs: Iterable[Cog]) -> None:
        self.cogs = list(cogs)
        self.by_path: dict[tuple[str, ...], CommandSpec] = {}
        for cog in self.cogs:
            for spec in cog.commands():
                if not spec.examples:
                    spec = replace(spec, examples=EXAMPLES.get(spec.name, ()))
                if spec.path in self.by_path:
                    raise ValueError(f"command declared twice: {spec.name}")
                self.by_path[spec.path] = spec

    def __iter__(self) -> Any:
        return iter(sorted(self.by_path.values(), key=lambda s: s.path))

    def groups(self) -> dict[str, list[CommandSpec]]:
        """First word → its commands (a group when there are sub-words)."""
        out: dict[str, list[CommandSpec]] = {}
        for spec in self:
            out.setdefault(spec.path[0], []).append(spec)
        return out
