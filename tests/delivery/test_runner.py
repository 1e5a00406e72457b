"""`interviewprep run`: the scheduler ticks the engine and adapters only register senders."""

from __future__ import annotations

import asyncio
import gc
import logging
import subprocess
import sys
import types
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from interviewprep import runner
from interviewprep.app import App
from interviewprep.delivery.engine import DeliveryEngine
from interviewprep.delivery.messages import DailyQuestion
from interviewprep.domain.clock import FixedClock
from interviewprep.logsafe import RedactSecrets
from interviewprep.runner import GC_THRESHOLDS, serve, settle_heap
from tests.delivery.conftest import FakeSender


async def test_the_scheduler_delivers_through_a_registered_sender(
    app: App, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.now = datetime(2026, 3, 6, 8, tzinfo=UTC)
    pid = app.practice.enrol("fake", "1", "Ada")
    app.subscriptions.subscribe(pid, "fake", "1")
    clock.now = datetime(2026, 3, 6, 9, 5, tzinfo=UTC)
    sender = FakeSender("fake")
    seen: list[DeliveryEngine] = []

    delivered = asyncio.Event()
    original = sender.send

    async def send(message: object) -> str | None:
        result = await original(message)  # type: ignore[arg-type]
        delivered.set()
        return result

    sender.send = send  # type: ignore[method-assign]

    async def fake_serve(app: App, engine: DeliveryEngine, stop: asyncio.Event) -> None:
        engine.register(sender)
        seen.append(engine)
        await delivered.wait()
        stop.set()

    module = types.ModuleType("interviewprep.adapters.fake.bot")
    module.serve = fake_serve  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "interviewprep.adapters.fake.bot", module)
    await asyncio.wait_for(serve(app, ["fake"], asyncio.Event()), timeout=20)
    (message,) = sender.sent
    assert isinstance(message, DailyQuestion)
    assert message.person_id == pid
    assert seen[0]._stopping  # the engine was stopped on the way out


def test_run_without_a_token_names_the_variable(tmp_path: object) -> None:
    env = {"PATH": "/usr/bin:/bin", "INTERVIEWPREP_DATABASE_URL": "sqlite://"}
    result = subprocess.run(
        [sys.executable, "-m", "interviewprep.cli", "run", "telegram"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "INTERVIEWPREP_TELEGRAM_TOKEN is not set" in result.stderr


def test_tokens_are_redacted_from_every_log_line(caplog: pytest.LogCaptureFixture) -> None:
    token = "123456:ABC-secret-token"
    logger = logging.getLogger("some.library")
    redact = RedactSecrets([token])
    record = logger.makeRecord(
        "some.library", logging.INFO, __file__, 1, "POST https://api/bot%s/getMe", (token,), None
    )
    redact.filter(record)
    assert token not in record.getMessage()
    assert "<token>" in record.getMessage()


@pytest.fixture
def gc_state() -> Iterator[None]:
    """Restore the collector's thresholds and unfreeze after a test that settles the heap."""
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("gc_state")
def test_settle_heap_keeps_start_up_objects_out_of_collections() -> None:
    built_at_start = [[i] for i in range(1000)]  # containers the collector tracks
    assert gc.is_tracked(built_at_start)
    before = gc.get_freeze_count()
    settle_heap()
    assert gc.get_freeze_count() >= before + len(built_at_start)
    assert gc.get_threshold() == GC_THRESHOLDS
    # a full collection now leaves the frozen objects where they are
    gc.collect()
    assert gc.get_freeze_count() >= before + len(built_at_start)


def test_run_settles_the_heap_after_building_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    built = types.SimpleNamespace(close=lambda: calls.append("close"))
    monkeypatch.setattr(
        runner,
        "load_settings",
        lambda: types.SimpleNamespace(telegram_token="t", discord_token=None, log_level="WARNING"),
    )
    monkeypatch.setattr(runner, "install_redaction", lambda settings: None)

    def build(settings: Any) -> Any:
        calls.append("build")
        return built

    monkeypatch.setattr(runner, "build_app", build)
    monkeypatch.setattr(runner, "settle_heap", lambda: calls.append("settle"))

    def fake_run(main: Any) -> None:
        calls.append("serve")
        main.close()  # the coroutine is not run: no bots here

    monkeypatch.setattr(asyncio, "run", fake_run)
    assert runner.run(["telegram"]) == 0
    assert calls == ["build", "settle", "serve", "close"]
