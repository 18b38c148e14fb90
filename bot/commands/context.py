"""Who runs a command, where, on which circle, with which database session and port."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.effects import Effects
from bot.core.runtime import Core
from bot.core.scope import Scope
from bot.i18n import translate, translate_plural
from bot.port import ChatPort
from storage.models import Circle, Membership


@dataclass(frozen=True)
class Invocation:
    """A command as a platform hands it over: IDs only."""

    platform: str
    workspace: str
    user: str
    channel: str | None = None
    organizer_hint: bool = False  # the platform says this person administers the space
    locale: str | None = None  # the person's own language on the platform, when it says


@dataclass
class Context:
    inv: Invocation
    core: Core
    session: AsyncSession
    port: ChatPort
    circle: Circle | None
    membership: Membership | None
    is_organizer: bool
    lang: str
    effects: Effects = field(default_factory=Effects)

    @property
    def user(self) -> str:
        return self.inv.user

    @property
    def workspace(self) -> str:
        return self.inv.workspace

    @property
    def platform(self) -> str:
        return self.inv.platform

    def now(self) -> datetime:
        return self.core.clock.now()

    def t(self, message: str, **values: object) -> str:
        """Translate a catalog message into this circle's language."""
        return translate(message, self.lang, **values)

    def tn(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The form of a counted message for ``n`` in this circle's language (ngettext)."""
        return translate_plural(singular, plural, n, self.lang, **values)

    @property
    def scope(self) -> Scope:
        return Scope(
            self.session,
            self.core,
            self.port,
            self.platform,
            self.workspace,
            self.user,
            self.effects,
        )

    def need_circle(self) -> Circle:
        assert self.circle is not None, "the router resolves the circle for REQUIRED commands"
        return self.circle
