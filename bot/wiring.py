"""Builds the application from settings: the database, the core, the cogs and the router."""

from __future__ import annotations

import logging

from bot.commands.router import Router
from bot.commands.spec import Cog, Registry
from bot.config import Settings
from bot.core import health, kinds, mentoring, prompts, reminders, sessions
from bot.core.clock import Clock, SystemClock
from bot.core.ledger import Handler, Preparer
from bot.core.runtime import Core
from bot.core.sealing import Sealer
from cogs.circles import CirclesCog
from cogs.consults import ConsultsCog
from cogs.help import HelpCog
from cogs.lifecycle import LifecycleCog
from cogs.meetings import MeetingsCog
from cogs.mentoring import MentoringCog
from cogs.privacy import PrivacyCog
from cogs.prompts import PromptsCog
from cogs.reminders import RemindersCog
from cogs.rules import RulesCog
from cogs.schedules import ScheduleCog
from cogs.sessions import SessionsCog
from cogs.support import SupportCog
from storage.db import make_engine, make_sessions, migrate
from storage.startup import check_before_open, explain

log = logging.getLogger(__name__)

LEDGER_HANDLERS: dict[str, Handler] = {
    kinds.REMINDER: reminders.send_reminder,
    kinds.PROMPT: reminders.send_prompt,
    kinds.STAGE_NUDGE: health.nudge,
    kinds.MENTOR_ACCESS: mentoring.expire_invitation,
    kinds.RECONVENE: mentoring.send_reconvening,
    kinds.SESSION_TIMER: sessions.timer,
}
"""Which function sends each kind of delivery (``bot.core.kinds``); the dispatcher looks here."""

LEDGER_PREPARERS: dict[str, Preparer] = {kinds.REMINDER: reminders.prepare_reminders}
"""Kinds whose handlers read their rows in one batch per claim (``ledger.Preparer``)."""


def all_cogs() -> list[Cog]:
    return [
        CirclesCog(),
        RulesCog(),
        PromptsCog(),
        SupportCog(),
        PrivacyCog(),
        SessionsCog(),
        MentoringCog(),
        ConsultsCog(),
        ScheduleCog(),
        RemindersCog(),
        MeetingsCog(),
        LifecycleCog(),
        HelpCog(),
    ]


def build_registry(cogs: list[Cog] | None = None) -> Registry:
    cogs = cogs if cogs is not None else all_cogs()
    registry = Registry(cogs)
    for cog in cogs:
        if isinstance(cog, HelpCog):
            cog.registry = registry
    return registry


async def start_core(settings: Settings, clock: Clock | None = None) -> Core:
    """Connect, migrate to the newest schema and load the prompt library.

    A database that cannot be used raises ``DatabaseProblem`` (one line, no traceback)."""
    url = settings.database.url
    check_before_open(url)
    engine = make_engine(url)
    try:
        await migrate(engine)
    except Exception as exc:
        await engine.dispose()
        raise explain(url, exc) from None
    session_factory = make_sessions(engine)
    core = Core(
        settings=settings,
        engine=engine,
        sessions=session_factory,
        clock=clock or SystemClock(),
        handlers=LEDGER_HANDLERS,
        preparers=LEDGER_PREPARERS,
        sealer=Sealer(settings.secret()),
    )
    async with session_factory() as s, s.begin():
        added = await prompts.seed_library(s, core.clock.now())
    log.info("database ready dialect=%s library_added=%d", engine.dialect.name, added)
    return core


def build_router(core: Core, registry: Registry | None = None) -> Router:
    return Router(core, registry or build_registry())
