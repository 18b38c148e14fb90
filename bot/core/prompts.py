"""Prompts: the shipped library plus each circle's own; no repeats until a kind is exhausted."""

from __future__ import annotations

import random
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

# Modules only: reminders imports this module too.
from bot.core import reminders, schedules
from bot.core.durations import MAX_OFFSET, parse_duration
from bot.core.errors import UserError
from bot.core.scope import Scope
from bot.i18n import N_
from bot.port import Message
from storage import repos
from storage.models import Circle, Prompt, PromptSchedule, PromptUse

LIBRARY = Path(__file__).parent / "data" / "prompts.toml"
KINDS = ("art", "writing", "play", "movement", "reflection", "check-in", "closing")
MODULES = ("model", "convening", "safety", "tools", "conflict", "change")


@dataclass(frozen=True)
class LibraryPrompt:
    key: str
    kind: str
    minutes: int
    module: str
    text: str


def load_library(path: Path = LIBRARY) -> list[LibraryPrompt]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [LibraryPrompt(**row) for row in data["prompt"]]


async def seed_library(s: AsyncSession, now: datetime) -> int:
    """Insert or update the shipped prompts by key (idempotent). Returns how many are new."""
    existing = await repos.prompts.library(s)
    added = 0
    for row in load_library():
        found = existing.get(row.key)
        if found is None:
            s.add(
                Prompt(
                    key=row.key,
                    kind=row.kind,
                    text=row.text,
                    minutes=row.minutes,
                    module=row.module,
                    created_at=now,
                )
            )
            added += 1
        else:
            found.kind, found.text, found.minutes, found.module = (
                row.kind,
                row.text,
                row.minutes,
                row.module,
            )
    return added


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise UserError(N_("kind: choose one of {kinds}."), kinds=", ".join(KINDS))
    return kind


async def available(s: AsyncSession, circle: Circle, kind: str | None) -> Sequence[Prompt]:
    return await repos.prompts.available(s, circle.id, kind)


async def use_counts(s: AsyncSession, circle: Circle) -> Counter[int]:
    return await repos.prompts.use_counts(s, circle.id)


async def pick(s: AsyncSession, circle: Circle, kind: str | None, rng: random.Random) -> Prompt:
    """A prompt used least often in this circle, so none repeats until its kind is exhausted."""
    pool = await available(s, circle, kind)
    if not pool:
        raise UserError(
            N_("There are no prompts of that kind yet. Add one with /circle prompt add.")
        )
    counts = await use_counts(s, circle)
    if kind is None:
        # Choose the kind first (least used), then a prompt within it: no kind repeats early.
        per_kind: Counter[str] = Counter()
        for p in pool:
            per_kind[p.kind] += counts[p.id]
        fewest = min(per_kind[k] for k in {p.kind for p in pool})
        kinds = sorted(k for k in {p.kind for p in pool} if per_kind[k] == fewest)
        chosen_kind = rng.choice(kinds)
        pool = [p for p in pool if p.kind == chosen_kind]
    least = min(counts[p.id] for p in pool)
    return rng.choice([p for p in pool if counts[p.id] == least])


def record_use(
    s: AsyncSession, circle: Circle, prompt: Prompt, by: str | None, now: datetime
) -> None:
    s.add(PromptUse(circle_id=circle.id, prompt_id=prompt.id, used_at=now, posted_by=by))


# -- use cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    """What went into the channel: a library or circle prompt (``chosen``), or the leader's own
    words (``chosen`` None)."""

    text: str
    chosen: Prompt | None


async def post(
    sc: Scope,
    circle: Circle,
    kind: str | None,
    own: str | None,
    rng: random.Random,
    label: Callable[[Posted], str],
) -> Posted:
    """``prompt post``: into the circle channel now; a picked prompt counts as used."""
    if own:
        result = Posted(own, None)
    else:
        chosen = await pick(sc.session, circle, kind, rng)
        record_use(sc.session, circle, chosen, sc.actor, sc.now())
        result = Posted(text_in(chosen, circle.language), chosen)
    assert circle.channel_id is not None
    await sc.port.post(sc.workspace, circle.channel_id, Message(f"{label(result)}: {result.text}"))
    return result


DEFAULT_MINUTES = 10


async def add(sc: Scope, circle: Circle, kind: str, text: str, minutes: int | None) -> Prompt:
    """``prompt add``: a prompt of this circle's own."""
    prompt = Prompt(
        circle_id=circle.id,
        kind=check_kind(kind),
        text=text,
        minutes=minutes or DEFAULT_MINUTES,
        module="tools",
        created_at=sc.now(),
        created_by=sc.actor,
    )
    sc.session.add(prompt)
    return prompt


@dataclass(frozen=True)
class Collection:
    """``prompt list``: the prompts a circle can use (of a kind) and how often each was used."""

    pool: Sequence[Prompt]
    used: Counter[int]


async def collection(sc: Scope, circle: Circle, kind: str | None) -> Collection:
    return Collection(
        await available(sc.session, circle, kind), await use_counts(sc.session, circle)
    )


@dataclass(frozen=True)
class Scheduled:
    kind: str
    before: timedelta | None  # None: no longer posted
    has_schedule: bool  # whether the circle has meetings to post before


async def set_schedule(sc: Scope, circle: Circle, kind: str, before: str) -> Scheduled:
    """``prompt schedule KIND 1h``: post a prompt of ``kind`` that long before each meeting
    (``off`` stops it); the ledger follows at once."""
    if before.lower() == "off":
        delta = None
    else:
        try:
            delta = parse_duration(before)
        except ValueError:
            delta = None
        if delta is None or delta.total_seconds() < 60 or delta > MAX_OFFSET:
            raise UserError(
                N_(
                    'before: "{text}" is not a duration between 1m and 14d. For example: '
                    "/circle prompt schedule {kind} 1h (or before:off to stop)."
                ),
                text=before,
                kind=kind,
            )
    row = await repos.prompts.prompt_schedule(sc.session, circle.id, kind)
    if delta is None:
        if row is not None:
            await sc.session.delete(row)
        await reminders.changed(sc, circle, "prompt.unschedule", kind)
        return Scheduled(kind, None, await _has_schedule(sc, circle))
    minutes = int(delta.total_seconds() // 60)
    if row is None:
        sc.session.add(
            PromptSchedule(
                circle_id=circle.id, kind=kind, before_minutes=minutes, updated_at=sc.now()
            )
        )
    else:
        row.before_minutes, row.updated_at = minutes, sc.now()
    await reminders.changed(sc, circle, "prompt.schedule", kind)
    return Scheduled(kind, delta, await _has_schedule(sc, circle))


async def _has_schedule(sc: Scope, circle: Circle) -> bool:
    return await schedules.load(sc.session, circle.id) is not None


@lru_cache(maxsize=8)
def library_texts(lang: str) -> dict[str, str]:
    """The library's prompts in ``lang`` by key (``data/prompts.<lang>.toml``; none for English)."""
    path = LIBRARY.with_name(f"prompts.{lang}.toml")
    if lang == "en" or not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {str(row["key"]): str(row["text"]) for row in data["prompt"]}


def text_in(prompt: Prompt, lang: str) -> str:
    """A library prompt in the circle's language; a circle's own prompt in its author's words."""
    if prompt.key is None:
        return prompt.text
    return library_texts(lang).get(prompt.key, prompt.text)
