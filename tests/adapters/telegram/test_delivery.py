"""Daily delivery through the real DeliveryEngine and the Telegram sender."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from interviewprep.adapters.telegram.sender import classify
from interviewprep.delivery.engine import DeliveryEngine
from interviewprep.delivery.messages import (
    Address,
    RecipientGone,
    RecipientPaused,
    Reminder,
    RetryLater,
)
from tests.adapters.telegram import fake_api
from tests.adapters.telegram.conftest import Harness
from tests.adapters.telegram.fake_api import Failure

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ADA = fake_api.user(41, "Ada", "en")
BOB = fake_api.user(42, "Bob", "en")


def engine_for(tg: Harness) -> DeliveryEngine:
    engine = DeliveryEngine(tg.app, clock=tg.clock)
    engine.register(tg.sender)
    return engine


async def test_daily_question_arrives_at_the_local_time_and_is_answered(tg: Harness) -> None:
    await tg.onboard(ADA, at="18:00")  # at 09:00 UTC on Saturday
    engine = engine_for(tg)
    assert (await engine.tick()).sent == 0
    tg.clock.now = datetime(2026, 3, 7, 18, 1, tzinfo=UTC)
    report = await engine.tick()
    assert report.sent == 1
    daily = tg.api.last(ADA["id"])
    assert daily.text.startswith("📅 Daily question")
    assert (await engine.tick()).sent == 0  # once a day, however often the engine ticks
    # answer it (button or text, whatever type it is)
    if any(b.startswith("1. ") for b in daily.buttons):
        result = await tg.answer_by_tap(ADA, daily, "1. ")
    else:
        result = (await tg.say(ADA, "no idea at all"))[-1]
    assert "Score" in result.text
    again = (await tg.say(ADA, "/today"))[0]
    assert "already answered this one today" in again.text


async def test_429_is_retried_and_a_blocked_user_is_deactivated(tg: Harness) -> None:
    await tg.onboard(ADA)
    await tg.onboard(BOB)
    engine = engine_for(tg)
    tg.api.fail("sendMessage", Failure(429, "Too Many Requests: retry after 1", retry_after=1))
    tg.api.fail(
        "sendMessage", Failure(403, "Forbidden: bot was blocked by the user", chat_id=BOB["id"])
    )
    tg.clock.now = datetime(2026, 3, 8, 9, 1, tzinfo=UTC)
    report = await engine.tick()
    assert report.rate_limited == 1
    assert report.sent == 1
    assert report.gone == 1
    assert tg.api.last(ADA["id"]).text.startswith("📅 Daily question")
    assert not tg.app.subscriptions.subscribed(tg.person(BOB), "telegram")
    assert tg.app.subscriptions.subscribed(tg.person(ADA), "telegram")


async def test_sender_maps_bot_api_errors(tg: Harness) -> None:
    reminder = Reminder(
        delivery_id=1,
        address=Address("telegram", "555"),
        person_id=1,
        local_date=date(2026, 3, 7),
        streak=4,
        restorable=0,
        answered_today=0,
        daily_goal=1,
        hours_left=3,
    )
    message_id = await tg.sender.send(reminder)
    sent = tg.api.last(555)
    assert message_id == str(sent.message_id)
    assert "Your 4-day streak ends in about 3 hour(s)" in sent.text
    cases: list[tuple[Failure, type[Exception]]] = [
        (Failure(429, "Too Many Requests", retry_after=7), RetryLater),
        (Failure(403, "Forbidden: bot was blocked by the user"), RecipientGone),
        (Failure(403, "Forbidden: user is deactivated"), RecipientGone),
        (Failure(400, "Bad Request: chat not found"), RecipientGone),
        (Failure(403, "Forbidden: bot was kicked from the supergroup chat"), RecipientGone),
        (Failure(400, "Bad Request: not enough rights to send text messages"), RecipientPaused),
        (Failure(403, "Forbidden: CHAT_WRITE_FORBIDDEN"), RecipientPaused),
        (Failure(400, "Bad Request: have no rights to send a message"), RecipientPaused),
        (Failure(400, "Bad Request: message is too long"), BadRequest),
    ]
    for failure, expected in cases:
        tg.api.fail("sendMessage", failure)
        with pytest.raises(expected) as caught:
            await tg.sender.send(reminder)
        if isinstance(caught.value, RetryLater):
            assert caught.value.seconds == 7


def test_classify() -> None:
    assert isinstance(classify(Forbidden("Forbidden: bot was blocked by the user")), RecipientGone)
    assert isinstance(classify(BadRequest("Chat not found")), RecipientGone)
    assert isinstance(classify(BadRequest("Not enough rights to send")), RecipientPaused)
    assert classify(BadRequest("Message text is empty")) is None
    assert classify(RetryAfter(3)) is None
    assert classify(ChatMigrated(-1001)) is None


async def test_reminder_saves_a_streak(tg: Harness) -> None:
    await tg.onboard(ADA)
    await tg.say(ADA, "/practice data-formats 1")
    await tg.say(ADA, "404")  # Saturday done: a 1-day streak
    engine = engine_for(tg)
    tg.clock.now = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)  # Sunday: the daily question
    assert (await engine.tick()).sent == 1
    tg.clock.now = datetime(2026, 3, 8, 21, 30, tzinfo=UTC)  # still unanswered at night
    assert (await engine.tick()).sent == 1
    reminder = tg.api.last(ADA["id"])
    assert "Your 1-day streak ends in about 3 hour(s)" in reminder.text
    assert "Today: 0 of 1 answered." in reminder.text


async def test_daily_question_long_text_is_split_with_buttons_last(tg: Harness) -> None:
    from interviewprep.adapters.telegram.render import question
    from interviewprep.bank.schema import QuestionType
    from interviewprep.domain.queue import ItemKind
    from interviewprep.services.views import QuestionView

    view = QuestionView(
        attempt_id=1,
        question_id="q",
        type=QuestionType.OPEN,
        prompt="word " * 2000 + "`code <x>`",
        level="mid",
        topics=("sql",),
        options=(),
        kind=ItemKind.NEW,
        hints_available=0,
    )
    text, keyboard = question(view)
    from interviewprep.adapters.telegram.outbox import send_html

    last = await send_html(tg.sender.bot, 777, text, keyboard)
    parts = tg.api.in_chat(777)
    assert len(parts) > 2
    assert parts[-1].message_id == last  # the id of the part with the buttons
    assert all(p.keyboard is None for p in parts[:-1])
    assert parts[-1].buttons == ["⏭ Skip", "👁 Reveal"]
    assert "<code>code &lt;x&gt;</code>" in parts[-1].html
    assert "".join(p.text for p in parts).count("word") == 2000
