"""The composition root: settings -> database -> bank -> grader -> services."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from interviewprep.bank.loader import Bank, builtin_pack_dir, load_bank
from interviewprep.config import Settings
from interviewprep.domain.clock import Clock, system_clock
from interviewprep.grading import default_grader
from interviewprep.grading.result import Grader
from interviewprep.services.community import Community
from interviewprep.services.groups import Groups
from interviewprep.services.practice import Practice
from interviewprep.services.subscriptions import Subscriptions
from interviewprep.storage import db
from interviewprep.storage.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a front-end needs, built once at start-up."""

    settings: Settings
    engine: Engine
    bank: Bank
    practice: Practice
    groups: Groups
    community: Community
    subscriptions: Subscriptions
    uow: UnitOfWorkFactory
    clock: Clock

    def close(self) -> None:
        """Release database connections."""
        self.engine.dispose()


def load_packs(settings: Settings) -> Bank:
    """The built-in packs (unless turned off) plus folders in ``INTERVIEWPREP_PACK_DIRS``."""
    builtin = [builtin_pack_dir()] if settings.builtin_packs else []
    bank = load_bank([*builtin, *settings.pack_dirs])
    if bank.skipped:
        logger.warning(
            "%d problem(s) in question packs; those packs were skipped "
            "(run `interviewprep packs validate` for details)",
            len(bank.skipped),
        )
    return bank


def build_app(
    settings: Settings,
    clock: Clock = system_clock,
    grader: Grader | None = None,
    migrate: bool = True,
) -> App:
    """Wire the application; applies pending migrations unless ``migrate`` is False."""
    engine = db.make_engine(settings.database_url)
    if migrate:
        db.upgrade(engine)
    return assemble(settings, engine, load_packs(settings), grader or default_grader(), clock)


def assemble(settings: Settings, engine: Engine, bank: Bank, grader: Grader, clock: Clock) -> App:
    """Build the services over an existing engine and bank (tests and benchmarks use it)."""
    uow = UnitOfWorkFactory(engine)
    practice = Practice(
        uow,
        bank,
        grader,
        clock=clock,
        fuzz_intervals=settings.fuzz_intervals,
        default_timezone=settings.default_timezone,
    )
    return App(
        settings=settings,
        engine=engine,
        bank=bank,
        practice=practice,
        groups=Groups(uow, bank, practice, clock),
        community=Community(uow, clock),
        subscriptions=Subscriptions(uow, clock),
        uow=uow,
        clock=clock,
    )
