"""Prompts: the shipped library plus each circle's own; no repeats until a kind is exhausted."""

from __future__ import annotations

import random
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.errors import UserError
from bot.i18n import N_
from storage.models import Circle, Prompt, PromptUse

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
    existing = {
        p.key: p for p in (await s.execute(select(Prompt).where(Prompt.key.is_not(None)))).scalars()
    }
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
    stmt = select(Prompt).where(or_(Prompt.circle_id.is_(None), Prompt.circle_id == circle.id))
    if kind:
        stmt = stmt.where(Prompt.kind == kind)
    return (await s.execute(stmt.order_by(Prompt.id))).scalars().all()


async def use_counts(s: AsyncSession, circle: Circle) -> Counter[int]:
    stmt = (
        select(PromptUse.prompt_id, func.count())
        .where(PromptUse.circle_id == circle.id)
        .group_by(PromptUse.prompt_id)
    )
    return Counter({pid: int(n) for pid, n in (await s.execute(stmt)).all()})


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
