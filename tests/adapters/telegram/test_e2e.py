"""End to end: ``serve()`` with the real Updater long-polling a fake Bot API server on
127.0.0.1, the real core on a SQLite file, and the real DeliveryEngine."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from interviewprep.adapters.telegram import application as wiring
from interviewprep.adapters.telegram.bot import serve
from interviewprep.app import App, build_app
from interviewprep.config import ConfigError
from interviewprep.delivery.engine import DeliveryEngine
from interviewprep.domain.clock import FixedClock
from tests.adapters.telegram import fake_api
from tests.adapters.telegram.conftest import make_settings
from tests.adapters.telegram.fake_api import Failure, Sent
from tests.adapters.telegram.fake_server import FakeBotApiServer

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ADA = fake_api.user(61, "Ada", "de")
BOB = fake_api.user(62, "Bob", "en")


@dataclass
class Live:
    """A running bot: the fake server, the core, the engine."""

    server: FakeBotApiServer
    app: App
    engine: DeliveryEngine
    clock: FixedClock
    stop: asyncio.Event
    task: asyncio.Task[None]
    message_id: int = 1

    @property
    def api(self) -> fake_api.FakeBotApi:
        return self.server.api

    def last_id(self, chat: int) -> int:
        messages = self.api.in_chat(chat)
        return messages[-1].message_id if messages else 0

    async def say(self, who: dict[str, Any], text: str, contains: str = "") -> Sent:
        """Send a message; wait for the bot's reply (containing ``contains``)."""
        after = self.last_id(who["id"])
        self.message_id += 1
        update = fake_api.message_update(
            self.api.next_update_id(), who, text, message_id=self.message_id
        )
        self.server.push(update)
        return await self.server.wait_message(who["id"], after, contains)

    async def tap(self, who: dict[str, Any], message: Sent, label: str) -> None:
        """Tap a button; wait until the tap is answered and the message edited."""
        answered = len(self.api.callback_answers)
        data = message.data(label)
        stored = self.api.messages[(message.chat_id, message.message_id)]
        edits = stored.edits
        self.server.push(fake_api.callback_update(self.api.next_update_id(), who, data, message))
        await self.server.wait_for(
            lambda: len(self.api.callback_answers) > answered and stored.edits > edits,
            what=f"an answer to {label!r} and an edit",
        )

    async def tap_answer(self, who: dict[str, Any], message: Sent, label: str) -> Sent:
        """Tap an answer button; the question message, edited into its result (asserted:
        two Bot API calls, nothing new sent)."""
        after = self.last_id(who["id"])
        calls = len(self.api.calls)
        await self.tap(who, message, label)
        assert self.last_id(who["id"]) == after
        made = sorted(name for name, _ in self.api.calls[calls:] if name != "getUpdates")
        assert made == [
            "answerCallbackQuery",
            "editMessageText",
        ]
        return self.api.messages[(message.chat_id, message.message_id)]


@pytest.fixture
async def live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Live]:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(wiring, "INTERACTIVE_PER_SECOND", 0)  # tests are not throttled
    server = FakeBotApiServer(token=fake_api.TOKEN)
    await server.start()
    clock = FixedClock(datetime(2026, 3, 7, 9, 0, tzinfo=UTC))
    app = build_app(make_settings(tmp_path, telegram_base_url=server.url), clock=clock)
    engine = DeliveryEngine(app, clock=clock)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, engine, stop))
    await server.wait_for(lambda: server.polls > 0 or task.done(), what="polling")
    if task.done():
        task.result()  # serve() failed: show why
    live = Live(server, app, engine, clock, stop, task)
    try:
        yield live
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        await server.stop()
        app.close()
    assert fake_api.TOKEN not in caplog.text  # the token never reaches a log line


async def answer_current(live: Live, who: dict[str, Any], question: Sent) -> Sent:
    """Answer a question correctly-ish whatever its type; returns the result message."""
    if "Tap every right option" in question.text:
        await live.tap(who, question, "☐ 1.")
        question = live.api.messages[(question.chat_id, question.message_id)]
        await live.tap(who, question, "☐ 2.")
        return await live.tap_answer(who, question, "Submit")
    if "Tap an option." in question.text:
        return await live.tap_answer(who, question, "1. ")
    if "Which HTTP status code" in question.text:
        return await live.say(who, "404", "Score")
    return await live.say(
        who, "TTL expiry bounds staleness; explicit invalidation deletes keys.", "Score"
    )


async def test_the_whole_journey(live: Live) -> None:
    api = live.api
    assert api.count("deleteWebhook") == 1  # polling clears any webhook first
    assert "practice" in api.commands["all_private_chats"]
    assert "groupon" in api.commands["all_group_chats"]

    # onboarding
    await live.say(ADA, "/start", "Topics")
    screen = api.last(ADA["id"])
    await live.tap(ADA, screen, "Done")
    await live.tap(ADA, screen, "Mid")
    await live.tap(ADA, screen, "18:00")
    assert "Europe/Berlin" in screen.text  # guessed from "de"
    await live.tap(ADA, screen, "Yes, Europe/Berlin")
    await live.tap(ADA, screen, "5")
    assert "All set!" in screen.text
    assert "18:00" in screen.text

    # the daily question at 18:00 Berlin (17:00 UTC), through the engine
    live.clock.now = datetime(2026, 3, 7, 17, 1, tzinfo=UTC)
    assert (await live.engine.tick()).sent == 1
    daily = api.last(ADA["id"])
    assert daily.text.startswith("📅 Daily question")
    done = [daily.text.splitlines()[2]]
    result = await answer_current(live, ADA, daily)
    assert "Score" in result.text

    # every question type, with a rating override on the way
    overridden = False
    for topic in ("sql", "http", "web-security", "data-formats", "caching"):
        question = await live.say(ADA, f"/practice {topic} 1")
        if question.text.startswith("Nothing is due"):
            continue  # the daily question was this topic's only one
        done.append(question.text.splitlines()[2])
        result = await answer_current(live, ADA, question)
        assert "Score" in result.text
        assert "Model answer" in result.text
        if not overridden:
            target = "Again" if "⭐ Again" not in result.buttons else "Easy"
            await live.tap(ADA, result, target)
            assert api.callback_answers[-1]["text"].startswith(f"Rated {target}")
            overridden = True
    exported = live.app.practice.export(live.app.practice.find_person("telegram", "61") or 0)
    reviews = exported["reviews"]
    assert len(reviews) == len(done) >= 5
    assert {r["question_id"] for r in reviews} >= {"tg.multi", "tg.tf", "tg.short"}
    assert any(r["rating"] != r["suggested_rating"] for r in reviews)

    # a second day: the streak is two days long
    live.clock.now = datetime(2026, 3, 8, 17, 1, tzinfo=UTC)
    assert (await live.engine.tick()).sent == 1
    await answer_current(live, ADA, api.last(ADA["id"]))
    streak = await live.say(ADA, "/streak", "Streak")
    assert "Streak: 2 day(s)" in streak.text
    assert "longest 2" in streak.text

    # export, then forget
    after = live.last_id(ADA["id"])
    live.server.push(fake_api.message_update(api.next_update_id(), ADA, "/export"))
    document = await live.server.wait_for(
        lambda: next(
            (m for m in api.in_chat(ADA["id"]) if m.message_id > after and m.document), None
        )
    )
    assert document.filename == "interviewprep-export.json"
    assert len(json.loads(document.document)["reviews"]) == len(done) + 1
    ask = await live.say(ADA, "/forget", "Delete all your data?")
    await live.tap(ADA, ask, "Yes, delete")
    assert "Everything is deleted" in api.messages[(ask.chat_id, ask.message_id)].text
    assert live.app.practice.find_person("telegram", "61") is None


async def test_a_double_tap_over_the_wire_edits_once_and_grades_once(live: Live) -> None:
    api = live.api
    await live.say(ADA, "/start", "Topics")
    question = await live.say(ADA, "/practice web-security 1", "Tap an option.")
    data = question.data("1. True")
    answered = len(api.callback_answers)
    after = live.last_id(ADA["id"])
    # two taps in one getUpdates batch (a double tap before the edit reached the client)
    for _ in range(2):
        live.server.push(fake_api.callback_update(api.next_update_id(), ADA, data, question))
    await live.server.wait_for(
        lambda: len(api.callback_answers) >= answered + 2, what="both taps answered"
    )
    result = api.messages[(question.chat_id, question.message_id)]
    assert live.last_id(ADA["id"]) == after  # nothing new: the question became the result
    assert result.edits == 1
    assert "Score 100%" in result.text
    assert any("already answered" in str(a.get("text", "")) for a in api.callback_answers[-2:])
    person = live.app.practice.find_person("telegram", "61")
    assert person is not None
    assert len(live.app.practice.export(person)["reviews"]) == 1
    # a rating tap on the edited message: its toast and the ticked keyboard
    calls = len(api.calls)
    await live.tap(ADA, result, "Hard")
    assert api.callback_answers[-1]["text"].startswith("Rated Hard")
    assert "✔ Hard" in result.buttons
    made = sorted(name for name, _ in api.calls[calls:] if name != "getUpdates")
    assert made == ["answerCallbackQuery", "editMessageReplyMarkup"]
    assert live.app.practice.export(person)["reviews"][0]["rating"] == 2


async def test_rate_limit_and_blocked_user(live: Live) -> None:
    api = live.api
    # a 429 on an interactive reply: PTB's limiter waits retry_after and sends again
    api.fail("sendMessage", Failure(429, "Too Many Requests: retry after 1", retry_after=1))
    reply = await live.say(BOB, "/help", "/practice")
    assert api.count("sendMessage") == 2
    assert reply.text.startswith("interviewprep")
    # Bob subscribes, then blocks the bot: the next delivery deactivates him
    await live.say(BOB, "/start", "Topics")
    person = live.app.practice.find_person("telegram", "62")
    assert person is not None
    assert live.app.subscriptions.subscribed(person, "telegram")
    api.fail("sendMessage", Failure(403, "Forbidden: bot was blocked by the user", chat_id=62))
    live.clock.now = datetime(2026, 3, 8, 9, 1, tzinfo=UTC)
    report = await live.engine.tick()
    assert report.gone == 1
    assert not live.app.subscriptions.subscribed(person, "telegram")


async def test_group_question_over_the_wire(live: Live) -> None:
    api = live.api
    group = -100777
    admin = fake_api.user(63, "Root", "en")
    api.member_status[(group, admin["id"])] = "creator"

    def in_group(who: dict[str, Any], text: str, reply_to: int | None = None) -> None:
        live.message_id += 1
        live.server.push(
            fake_api.message_update(
                api.next_update_id(), who, text, group, reply_to, message_id=live.message_id
            )
        )

    in_group(BOB, "/groupon 10:00 UTC")
    refused = await live.server.wait_message(group, 0, "Only group admins")
    in_group(admin, "/groupon 10:00 UTC")
    await live.server.wait_message(group, refused.message_id, "is on")
    assert api.count("getChatMember") == 2
    live.clock.now = datetime(2026, 3, 7, 10, 1, tzinfo=UTC)
    assert (await live.engine.tick()).sent == 1
    post = api.last(group)
    assert post.text.startswith("👥 Daily group question")
    in_group(BOB, "my answer: 1", reply_to=post.message_id)
    result = await live.server.wait_message(group, post.message_id, "Bob")
    assert result.reply_to is not None
    assert "<tg-spoiler>" in result.html


async def test_shutdown_finishes_the_update_in_hand(live: Live) -> None:
    await live.say(ADA, "/start", "Topics")
    await live.say(ADA, "/practice data-formats 1", "Question")
    after = live.last_id(ADA["id"])
    fetched = live.api.count("getUpdates")
    live.server.push(fake_api.message_update(live.api.next_update_id(), ADA, "404"))
    await live.server.wait_for(lambda: live.api.count("getUpdates") > fetched)
    live.stop.set()  # the answer is fetched but (most likely) not processed yet
    await asyncio.wait_for(live.task, 15)
    replies = [m for m in live.api.in_chat(ADA["id"]) if m.message_id > after]
    person = live.app.practice.find_person("telegram", "61")
    assert person is not None
    assert len(live.app.practice.export(person)["reviews"]) == 1
    assert len(replies) == 1
    assert "Score 100%" in replies[0].text


async def test_webhook_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wiring, "INTERACTIVE_PER_SECOND", 0)
    server = FakeBotApiServer(token=fake_api.TOKEN)
    await server.start()
    port = _free_port()
    secret = "s3cret-token-for-tests"
    settings = make_settings(
        tmp_path,
        telegram_base_url=server.url,
        telegram_webhook_url="https://bot.example.org/telegram/hook",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
        telegram_webhook_secret=secret,
    )
    app = build_app(settings, clock=FixedClock(datetime(2026, 3, 7, 9, 0, tzinfo=UTC)))
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, DeliveryEngine(app), stop))
    try:
        await server.wait_for(lambda: server.webhook is not None, what="setWebhook")
        assert server.webhook is not None
        assert server.webhook["url"] == "https://bot.example.org/telegram/hook"
        assert server.webhook["secret_token"] == secret
        assert server.polls == 0
        update = fake_api.message_update(1, ADA, "/help")
        async with httpx.AsyncClient() as client:
            hook = f"http://127.0.0.1:{port}/telegram/hook"
            await _wait_listening(client, hook)
            wrong = await client.post(
                hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
            )
            assert wrong.status_code == 403
            ok = await client.post(
                hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
            )
            assert ok.status_code == 200
        reply = await server.wait_message(ADA["id"], 0, "/practice")
        assert reply.text.startswith("interviewprep")
        assert len(server.api.in_chat(ADA["id"])) == 1  # the forged post did nothing
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        await server.stop()
        app.close()


async def test_serve_needs_a_token(tmp_path: Path) -> None:
    app = build_app(make_settings(tmp_path, telegram_token=None))
    try:
        with pytest.raises(ConfigError, match="INTERVIEWPREP_TELEGRAM_TOKEN"):
            await serve(app, DeliveryEngine(app), asyncio.Event())
    finally:
        app.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_listening(client: httpx.AsyncClient, url: str) -> None:
    for _ in range(100):
        try:
            await client.get(url)
            return
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    raise AssertionError("the webhook server did not start")
