"""The same flows on both databases: SQLite and PostgreSQL (the shared ``engine``
fixture; PostgreSQL runs when INTERVIEWPREP_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from telegram import Bot

from interviewprep.adapters.telegram.application import build_application, memory_of
from interviewprep.adapters.telegram.sender import TelegramSender
from interviewprep.app import assemble, load_packs
from interviewprep.delivery.engine import DeliveryEngine
from interviewprep.domain.clock import FixedClock
from interviewprep.grading import default_grader
from tests.adapters.telegram import fake_api
from tests.adapters.telegram.conftest import Harness, RecordingRequest, make_settings
from tests.adapters.telegram.fake_api import FakeBotApi

ADA = fake_api.user(71, "Ada", "pt-br")


@pytest.fixture
async def on_db(engine: Engine, tmp_path: Path) -> AsyncIterator[Harness]:
    """The harness over the shared engine fixture (SQLite, then PostgreSQL)."""
    settings = make_settings(tmp_path)
    clock = FixedClock(datetime(2026, 3, 7, 9, 0, tzinfo=UTC))
    app = assemble(settings, engine, load_packs(settings), default_grader(), clock)
    api = FakeBotApi()
    request = RecordingRequest(api)
    application = build_application(app, fake_api.TOKEN, request=request, updater=False)
    await application.initialize()
    bot = Bot(fake_api.TOKEN, request=request)
    await bot.initialize()
    try:
        sender = TelegramSender(bot, app, memory_of(application))
        yield Harness(app, application, api, clock, sender)
    finally:
        await bot.shutdown()
        await application.shutdown()


async def test_daily_flow_on_each_database(on_db: Harness) -> None:
    tg = on_db
    await tg.onboard(ADA, at="18:00")
    assert tg.app.practice.settings(tg.person(ADA)).timezone == "America/Sao_Paulo"
    engine = DeliveryEngine(tg.app, clock=tg.clock)
    engine.register(tg.sender)
    tg.clock.now = datetime(2026, 3, 7, 21, 1, tzinfo=UTC)  # 18:01 in São Paulo
    assert (await engine.tick()).sent == 1
    daily = tg.api.last(ADA["id"])
    if daily.keyboard and any(b.startswith("1. ") for b in daily.buttons):
        result = await tg.answer_by_tap(ADA, daily, "1. ")
    elif "Select all" in daily.text or "Tap every" in daily.text:
        await tg.press(ADA, daily, "☐ 1.")
        result = await tg.answer_by_tap(ADA, daily, "Submit")
    else:
        result = (await tg.say(ADA, "404"))[-1]
    assert "Score" in result.text
    await tg.press(ADA, result, "Again")
    assert tg.toast().startswith("Rated Again")
    assert "Streak: 1 day(s)" in (await tg.say(ADA, "/streak"))[0].text
    export = (await tg.say(ADA, "/export"))[0]
    assert export.document is not None
    assert [r["rating"] for r in json.loads(export.document)["reviews"]] == [1]
    ask = (await tg.say(ADA, "/forget"))[0]
    await tg.press(ADA, ask, "Yes, delete")
    assert tg.app.practice.find_person("telegram", str(ADA["id"])) is None
