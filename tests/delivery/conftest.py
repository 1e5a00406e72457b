"""Delivery-engine wiring: the real services and database, a recording sender."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from interviewprep.app import App, assemble
from interviewprep.bank.loader import load_bank
from interviewprep.config import Settings
from interviewprep.delivery.engine import DeliveryEngine, EngineConfig
from interviewprep.delivery.messages import (
    Outgoing,
    RateLimits,
    RecipientGone,
    RetryLater,
)
from interviewprep.domain.clock import FixedClock
from tests.services.conftest import FakeGrader

PACKS = Path(__file__).parent.parent / "fixtures" / "packs"


class FakeSender:
    """Records what would reach each chat; scripted failures per chat."""

    def __init__(self, platform: str = "telegram", limits: RateLimits | None = None) -> None:
        self.platform = platform
        self.limits = limits or RateLimits(per_second=10_000, per_chat_interval=0)
        self.sent: list[Outgoing] = []
        self.failures: dict[str, list[Exception]] = {}

    def fail(self, chat_id: str, *errors: Exception) -> None:
        """Raise these errors, in order, on the next sends to ``chat_id``."""
        self.failures.setdefault(chat_id, []).extend(errors)

    async def send(self, message: Outgoing) -> str | None:
        pending = self.failures.get(message.address.chat_id)
        if pending:
            raise pending.pop(0)
        self.sent.append(message)
        return str(len(self.sent))

    def to(self, chat_id: str) -> list[Outgoing]:
        return [m for m in self.sent if m.address.chat_id == chat_id]


@pytest.fixture
def app(engine: Engine, clock: FixedClock) -> App:
    """The application over the test database and the small test pack."""
    settings = Settings(database_url="sqlite://", builtin_packs=False, fuzz_intervals=False)
    return assemble(settings, engine, load_bank([PACKS]), FakeGrader(), clock)


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


@pytest.fixture
def make_engine(app: App, sender: FakeSender) -> Callable[..., DeliveryEngine]:
    """A delivery engine (a new one per call: a restart) with the fake sender registered."""

    def make(**config: float) -> DeliveryEngine:
        engine = DeliveryEngine(app, config=EngineConfig(**config))  # type: ignore[arg-type]
        engine.register(sender)
        return engine

    return make


__all__ = ["FakeSender", "RecipientGone", "RetryLater"]
