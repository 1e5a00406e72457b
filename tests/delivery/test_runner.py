"""`interviewprep run`: the scheduler ticks the engine and adapters only register senders."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import types
from datetime import UTC, datetime

import pytest

from interviewprep.app import App
from interviewprep.delivery.engine import DeliveryEngine
from interviewprep.delivery.messages import DailyQuestion
from interviewprep.domain.clock import FixedClock
from interviewprep.logsafe import RedactSecrets
from interviewprep.runner import serve
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
