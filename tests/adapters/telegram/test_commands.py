"""The other commands: /today, /streak, /stats, /topics, /report, /export, /forget,
/link, /help, and the global error handler."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from telegram.ext import CommandHandler

from interviewprep.adapters.telegram import application as wiring
from tests.adapters.telegram import fake_api
from tests.adapters.telegram.conftest import Harness

ADA = fake_api.user(31, "Ada", "en")


async def test_today_sends_and_resends_the_daily_question(tg: Harness) -> None:
    await tg.onboard(ADA)
    first = (await tg.say(ADA, "/today"))[0]
    assert "📅 Today's question" in first.text
    again = (await tg.say(ADA, "/today"))[0]
    assert "Picking up where you left off" in again.text
    assert again.text.splitlines()[3] == first.text.splitlines()[2]  # the same prompt
    await tg.say(ADA, "/reveal")
    done = (await tg.say(ADA, "/today"))[0]
    assert "already answered this one today" in done.text
    assert done.keyboard is None


async def test_streak_with_calendar(tg: Harness) -> None:
    await tg.onboard(ADA)
    reply = (await tg.say(ADA, "/streak"))[0]
    assert "Streak: 0 day(s)" in reply.text
    assert "Mo Tu We Th Fr Sa Su" in reply.text
    await tg.say(ADA, "/practice data-formats 1")
    await tg.say(ADA, "404")
    reply = (await tg.say(ADA, "/streak"))[0]
    assert "Streak: 1 day(s)" in reply.text
    assert "Today: done" in reply.text
    assert "freezes held: 0" in reply.text
    assert reply.text.splitlines()[-2] == "⬜⬜⬜⬜⬜🟩▪️"  # Saturday done, Sunday to come


async def test_stats_and_topics(tg: Harness) -> None:
    await tg.onboard(ADA, topics=("sql",))
    await tg.say(ADA, "/practice data-formats 1")
    await tg.say(ADA, "404")
    stats = (await tg.say(ADA, "/stats"))[0]
    assert "Answered 1 · accuracy 100%" in stats.text
    assert "data-formats" in stats.text
    assert "<pre>" in stats.html
    assert "Due next days:" in stats.text
    topics = (await tg.say(ADA, "/topics"))[0]
    assert "✔ sql · 2 question(s)" in topics.text
    assert "· http · 1 question(s)" in topics.text


async def test_report_is_stored(tg: Harness) -> None:
    await tg.onboard(ADA)
    await tg.say(ADA, "/today")
    usage = (await tg.say(ADA, "/report"))[0]
    assert "Say what is wrong" in usage.text
    reply = (await tg.say(ADA, "/report option <b>B</b> is also right"))[0]
    assert reply.text.startswith("Thanks! Report #")
    with tg.app.engine.connect() as connection:
        stored = connection.execute(text("SELECT text, question_id FROM reports")).all()
    assert [row[0] for row in stored] == ["option <b>B</b> is also right"]
    assert stored[0][1] is not None  # about the last question asked


async def test_export_sends_a_json_document(tg: Harness) -> None:
    await tg.onboard(ADA)
    await tg.say(ADA, "/practice data-formats 1")
    await tg.say(ADA, "404")
    sent = (await tg.say(ADA, "/export"))[0]
    assert sent.filename == "interviewprep-export.json"
    assert sent.document is not None
    data = json.loads(sent.document)
    assert data["format"] == "interviewprep-export/1"
    assert [r["answer"] for r in data["reviews"]] == ["404"]


async def test_forget_needs_confirmation(tg: Harness) -> None:
    await tg.onboard(ADA)
    ask = (await tg.say(ADA, "/forget"))[0]
    assert "Delete all your data?" in ask.text
    await tg.press(ADA, ask, "Cancel")
    assert ask.text == "Nothing was deleted."
    assert tg.person(ADA)

    ask = (await tg.say(ADA, "/forget"))[0]
    person = tg.person(ADA)
    # someone else's confirmation payload, and an expired one, change nothing
    await tg.tap(ADA, ask, f"ip:f:{person + 1}:{2**40}")
    assert "not yours" in tg.toast()
    tg.clock.advance(timedelta(minutes=11))
    await tg.press(ADA, ask, "Yes, delete")
    assert "expired" in tg.toast()
    assert tg.person(ADA) == person

    ask = (await tg.say(ADA, "/forget"))[0]
    await tg.press(ADA, ask, "Yes, delete")
    assert "Everything is deleted" in ask.text
    assert tg.app.practice.find_person("telegram", str(ADA["id"])) is None
    assert "/start" in (await tg.say(ADA, "/stats"))[0].text
    await tg.onboard(ADA)  # a fresh start works
    assert tg.app.practice.export(tg.person(ADA))["reviews"] == []


async def test_link_codes(tg: Harness) -> None:
    await tg.onboard(ADA)
    reply = (await tg.say(ADA, "/link"))[0]
    code = reply.html.split("<code>")[1].split("</code>")[0]
    assert "valid 10 minutes" in reply.text
    assert len(code) == 9
    # another Telegram account redeems the code: it becomes the same person
    bob = fake_api.user(32, "Bob")
    linked = (await tg.say(bob, f"/link {code}"))[0]
    assert linked.text.startswith("🔗 Linked")
    assert tg.person(bob) == tg.person(ADA)
    again = (await tg.say(fake_api.user(33, "Cy"), f"/link {code}"))[0]
    assert "already used" in again.text
    bad = (await tg.say(fake_api.user(34, "Dee"), "/link NOPE-NOPE"))[0]
    assert "not valid" in bad.text


async def test_help_and_commands_menu(tg: Harness) -> None:
    reply = (await tg.say(ADA, "/help"))[0]
    assert "/practice" in reply.text
    assert "/groupon" in reply.text
    await wiring.set_commands(tg.application.bot)
    assert "today" in tg.api.commands["all_private_chats"]
    assert tg.api.commands["all_group_chats"] == ["groupon", "groupoff", "help"]


async def test_an_unexpected_error_is_logged_and_answered_politely(
    tg: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(update: object, context: object) -> None:
        raise RuntimeError("boom in handler")

    tg.application.add_handler(CommandHandler("boom", broken), group=-2)
    reply = (await tg.say(ADA, "/boom"))[0]
    assert reply.text.startswith("Sorry, something went wrong on my side.")
    record = next(r for r in caplog.records if "failed" in r.getMessage())
    assert "command /boom" in record.getMessage()
    assert f"user {ADA['id']}" in record.getMessage()
    assert record.exc_info is not None


async def test_blocked_user_is_unsubscribed(tg: Harness) -> None:
    await tg.onboard(ADA)
    person = tg.person(ADA)
    tg.api.fail("sendMessage", fake_api.Failure(403, "Forbidden: bot was blocked by the user"))
    await tg.say(ADA, "/streak")
    assert not tg.app.subscriptions.subscribed(person, "telegram")
    await tg.say(ADA, "/start")  # unblocked and back: subscribed again
    assert tg.app.subscriptions.subscribed(person, "telegram")
    # Telegram's own notice of the block works too
    await tg.process(
        {
            "update_id": tg.api.next_update_id(),
            "my_chat_member": {
                "chat": fake_api.chat_of(ADA),
                "from": ADA,
                "date": 1_772_870_400,
                "old_chat_member": {"status": "member", "user": fake_api.BOT},
                "new_chat_member": {"status": "kicked", "user": fake_api.BOT, "until_date": 0},
            },
        }
    )
    assert not tg.app.subscriptions.subscribed(person, "telegram")
