"""Answering every question type, ratings, hint/skip/reveal, and bad input."""

from __future__ import annotations

from typing import Any

from tests.adapters.telegram import fake_api
from tests.adapters.telegram.conftest import Harness
from tests.adapters.telegram.fake_api import Sent

ADA = fake_api.user(21, "Ada", "en")
MALLORY = fake_api.user(22, "Mallory", "en")


def reviews(tg: Harness, who: dict[str, Any]) -> list[dict[str, Any]]:
    return list(tg.app.practice.export(tg.person(who))["reviews"])


async def ask(tg: Harness, who: dict[str, Any], topic: str) -> Sent:
    sent = await tg.say(who, f"/practice {topic} 1")
    assert len(sent) == 1, [m.text for m in sent]
    return sent[0]


async def test_single_choice_by_button_then_override_the_rating(tg: Harness) -> None:
    await tg.onboard(ADA)
    question = await ask(tg, ADA, "sql")
    assert "Question 1/1" in question.text
    assert "sql" in question.text
    if "HAVING" not in question.text:  # the other sql question came first: skip it
        await tg.press(ADA, question, "Skip")
        question = (await tg.say(ADA, "/practice sql 1"))[-1]
    # code in backticks is code; pack markup is escaped, never interpreted
    assert "<code>SELECT a, count(*) FROM t GROUP BY a HAVING count(*) &gt; 1</code>" in (
        question.html
    )
    assert "&lt;b&gt;ORDER BY&lt;/b&gt; &amp; friends" in question.html
    assert "Tap an option." in question.text
    assert question.buttons[:3] == ["1. HAVING", "2. WHERE", "3. <b>ORDER BY</b> & friends"]
    assert {"💡 Hint", "⏭ Skip", "👁 Reveal"} <= set(question.buttons)

    calls = len(tg.api.calls)
    # the question message itself becomes the result: nothing new is sent
    assert await tg.press(ADA, question, "1. HAVING") == []
    assert [name for name, _ in tg.api.calls[calls:]] == ["answerCallbackQuery", "editMessageText"]
    result = question
    assert result.edits == 1
    # the question stays readable above the result, formatting and all; its option
    # buttons are gone (no double answer) and so is the "tap an option" line
    assert "<code>SELECT a, count(*) FROM t GROUP BY a HAVING count(*) &gt; 1</code>" in (
        result.html
    )
    assert result.text.index("HAVING count") < result.text.index("Score")
    assert "Tap an option." not in result.text
    assert "1. HAVING" not in result.buttons
    assert "✅ Score 100%" in result.text
    assert "Correct: HAVING" in result.text
    assert "Model answer" in result.text
    assert "WHERE filters rows" in result.text
    assert result.buttons[:4] == ["Again", "Hard", "Good", "⭐ Easy"]
    assert "Suggested rating: ⭐ Easy" in result.text

    calls = len(tg.api.calls)
    await tg.press(ADA, result, "Hard")
    assert tg.toast().startswith("Rated Hard: next review")
    rating_calls = sorted(name for name, _ in tg.api.calls[calls:])
    assert rating_calls == ["answerCallbackQuery", "editMessageReplyMarkup"]
    assert result.buttons[:4] == ["Again", "✔ Hard", "Good", "Easy"]
    stored = reviews(tg, ADA)
    assert [(r["suggested_rating"], r["rating"]) for r in stored] == [(4, 2)]

    # a double tap on the same rating changes nothing
    await tg.press(ADA, result, "✔ Hard")
    assert tg.toast().startswith("Rated Hard.")
    # a stale tap on the old question's button: nothing graded twice
    await tg.tap(ADA, question, question_data_for(result, stored[0]["attempt_id"]))
    assert "already answered" in tg.toast()
    assert len(reviews(tg, ADA)) == 1


def question_data_for(result: Sent, attempt_id: int) -> str:
    return f"ip:a:{attempt_id}:0"


async def test_multiple_choice_toggles_then_submits(tg: Harness) -> None:
    await tg.onboard(ADA)
    question = await ask(tg, ADA, "http")
    assert "Tap every right option, then Submit." in question.text
    await tg.press(ADA, question, "Submit")
    assert tg.toast() == "Pick at least one option first."
    await tg.press(ADA, question, "☐ 1. GET")
    await tg.press(ADA, question, "☐ 2. HEAD")
    await tg.press(ADA, question, "☐ 3. DELETE")
    await tg.press(ADA, question, "☑ 3. DELETE")  # changed my mind
    assert question.buttons[:4] == ["☑ 1. GET", "☑ 2. HEAD", "☐ 3. DELETE", "☐ 4. POST"]
    assert await tg.press(ADA, question, "Submit (2 selected)") == []
    result = question  # the question became its result
    assert "Tap every right option" not in result.text
    assert "Again" in result.buttons
    assert "✅ Score 100%" in result.text
    assert "Correct: GET; HEAD" in result.text
    assert reviews(tg, ADA)[0]["answer"] == "1 2"


async def test_true_false_by_button(tg: Harness) -> None:
    await tg.onboard(ADA)
    question = await ask(tg, ADA, "web-security")
    assert question.buttons[:2] == ["1. True", "2. False"]
    assert await tg.press(ADA, question, "2. False") == []
    result = question
    assert "❌ Score 0%" in result.text
    assert "Correct: True" in result.text
    assert "⭐ Again" in result.buttons


async def test_short_answer_by_text_with_a_hint(tg: Harness) -> None:
    await tg.onboard(ADA)
    question = await ask(tg, ADA, "data-formats")
    assert "Reply with your answer" in question.text
    hint = (await tg.say(ADA, "/hint"))[0]
    assert hint.text == "💡 It is in the 4xx range."
    assert (await tg.say(ADA, "/hint"))[0].text == "No more hints for this one."
    result = (await tg.say(ADA, "HTTP 404"))[0]
    assert "Score 100%" in result.text
    # the hint lowers the suggestion one step
    assert "Suggested rating: ⭐ Good" in result.text


async def test_open_answer_shows_key_points_and_follow_ups(tg: Harness) -> None:
    await tg.onboard(ADA)
    await ask(tg, ADA, "caching")
    result = (await tg.say(ADA, "Set a time to live so entries expire after a while."))[0]
    assert "🟡 Score" in result.text
    assert "+ TTL expiry bounds staleness" in result.text
    assert "− explicit invalidation deletes keys" in result.text
    assert "Follow-up to think about" in result.text
    assert "How would you invalidate across several services?" in result.text
    assert "⭐ Hard" in result.buttons

    await ask(tg, ADA, "caching")
    assert "Nothing is due" in tg.api.last(ADA["id"]).text  # one new question a topic today


async def test_misconception_is_flagged(tg: Harness) -> None:
    await tg.onboard(ADA)
    await ask(tg, ADA, "caching")
    result = (await tg.say(ADA, "Redis syncs itself with the database, so no problem."))[0]
    assert "❌ Score 0%" in result.text
    assert "! misconception: caches never go stale when Redis is used" in result.text


async def test_skip_and_reveal(tg: Harness) -> None:
    await tg.onboard(ADA)
    await tg.say(ADA, "/practice sql 2")
    skipped = await tg.say(ADA, "/skip")
    assert skipped[0].text.startswith("⏭ Skipped for today")
    assert "Question 2/2" in skipped[1].text  # the session goes on
    revealed = (await tg.say(ADA, "/reveal"))[0]
    assert "👁 Answer revealed" in revealed.text
    assert "Model answer" in revealed.text
    assert "⭐ Again" in revealed.buttons
    assert (await tg.say(ADA, "/reveal"))[0].text.startswith("No question is open")
    assert (await tg.say(ADA, "hello?"))[0].text.startswith("No question is open")
    assert [r["revealed"] for r in reviews(tg, ADA)] == [True]


async def test_skip_and_reveal_buttons(tg: Harness) -> None:
    await tg.onboard(ADA)
    question = await ask(tg, ADA, "data-formats")
    await tg.press(ADA, question, "Hint")
    assert tg.api.last(ADA["id"]).text == "💡 It is in the 4xx range."
    await tg.press(ADA, question, "Hint")
    assert tg.toast() == "No more hints for this one."
    skip = question.data("Skip")
    assert await tg.press(ADA, question, "Reveal") == []
    assert "Answer revealed" in question.text
    assert question.buttons[:4] == ["⭐ Again", "Hard", "Good", "Easy"]
    await tg.tap(ADA, question, skip)  # a stale Skip (an old client) changes nothing
    assert "already revealed" in tg.toast()


async def test_next_button_continues_the_session(tg: Harness) -> None:
    await tg.onboard(ADA)
    await tg.say(ADA, "/practice 2")
    first = tg.api.last(ADA["id"])
    assert "Question 1/2" in first.text
    await tg.say(ADA, "/reveal")
    result = tg.api.last(ADA["id"])
    assert "▶ Next question (1 left)" in result.buttons
    nxt = (await tg.press(ADA, result, "Next question"))[-1]
    assert "Question 2/2" in nxt.text


async def test_practice_arguments(tg: Harness) -> None:
    await tg.onboard(ADA)
    reply = (await tg.say(ADA, "/practice astrology"))[0]
    assert "There is no topic" in reply.text
    assert "astrology" in reply.text
    reply = (await tg.say(ADA, "/practice <b>x</b>"))[0]
    assert "&lt;b&gt;x&lt;/b&gt;" in reply.html
    reply = (await tg.say(ADA, "/practice 99"))[0]
    assert "Question 1/20" in reply.text


async def test_forged_and_stale_buttons(tg: Harness) -> None:
    await tg.onboard(ADA)
    await tg.onboard(MALLORY)
    question = await ask(tg, ADA, "sql")
    attempt = int(question.data("1.").split(":")[2])
    # Mallory replays Ada's button in her own chat: refused, nothing graded
    theirs = Sent(MALLORY["id"], question.message_id, question.html, question.keyboard)
    await tg.tap(MALLORY, theirs, f"ip:a:{attempt}:0")
    assert "not open for you" in tg.toast()
    await tg.tap(MALLORY, theirs, f"ip:M:{attempt}:3")
    assert "not open for you" in tg.toast()
    await tg.tap(MALLORY, theirs, f"ip:h:{attempt}")
    assert "not open for you" in tg.toast()
    await tg.tap(MALLORY, theirs, f"ip:s:{attempt}")
    assert "not open for you" in tg.toast()
    # tampered payloads
    for data in ("ip:a:xx:0", "garbage", "ip:r:1:7", "ip:a:" + "9" * 40 + ":0"):
        await tg.tap(ADA, question, data)
        assert "no longer valid" in tg.toast()
    await tg.tap(ADA, question, f"ip:a:{attempt}:7")  # no option 8
    assert "still open" in tg.toast()
    await tg.tap(ADA, question, "ip:a:999999:0")
    assert "not open for you" in tg.toast()
    # Ada answers; Mallory cannot rate Ada's review
    await tg.press(ADA, question, "1.")
    review = int(question.data("Good").split(":")[2])
    await tg.tap(MALLORY, theirs, f"ip:r:{review}:4")
    assert "not yours to rate" in tg.toast()
    assert len(reviews(tg, ADA)) == 1
    assert reviews(tg, MALLORY) == []
    # Mallory's forged toggle on Ada's attempt
    await tg.tap(MALLORY, theirs, f"ip:m:{attempt}:1")
    assert "not open any more" in tg.toast()


async def test_double_tap_grades_once(tg: Harness) -> None:
    await tg.onboard(ADA)
    question = await ask(tg, ADA, "web-security")
    data = question.data("1. True")
    await tg.tap(ADA, question, data)
    await tg.tap(ADA, question, data)  # the second tap, before the edit reached the client
    assert "already answered" in tg.toast()
    results = [m for m in tg.api.in_chat(ADA["id"]) if "Score" in m.text]
    assert results == [question]
    assert question.edits == 1
    assert len(reviews(tg, ADA)) == 1


async def test_duplicate_updates_are_ignored(tg: Harness) -> None:
    await tg.onboard(ADA)
    await ask(tg, ADA, "data-formats")
    update = fake_api.message_update(9999, ADA, "404")
    await tg.process(update)
    await tg.process(update)
    results = [m for m in tg.api.in_chat(ADA["id"]) if "Score" in m.text]
    assert len(results) == 1


async def test_long_answers_and_injection(tg: Harness) -> None:
    await tg.onboard(ADA)
    await ask(tg, ADA, "caching")
    answer = ("<b>bold</b> & <a href='x'>TTL</a> " * 200)[:4096]
    result = (await tg.say(ADA, answer))[-1]
    assert "Score" in result.text
    assert reviews(tg, ADA)[0]["answer"] == answer.strip()


async def test_non_text_and_edited_messages(tg: Harness) -> None:
    await tg.onboard(ADA)
    await ask(tg, ADA, "data-formats")
    sticker = {
        "sticker": {
            "file_id": "s",
            "file_unique_id": "s",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    }
    photo = {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]}
    voice = {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}}
    for extra in (sticker, photo, voice):
        reply = await tg.say(ADA, None, extra=extra)
        assert reply[0].text.startswith("I can only read text answers")
    edited = await tg.say(ADA, "404 edited", kind="edited_message")
    assert edited[0].text.startswith("Edits are not re-graded")
    assert reviews(tg, ADA) == []  # the question is still open
    assert "Score 100%" in (await tg.say(ADA, "404"))[0].text


async def test_empty_answer_keeps_the_question_open(tg: Harness) -> None:
    await tg.onboard(ADA)
    await ask(tg, ADA, "data-formats")
    reply = (await tg.say(ADA, " \u0007\t "))[0]
    assert reply.text.startswith("That answer is empty")
    assert "Score 100%" in (await tg.say(ADA, "404"))[0].text


async def test_a_question_opened_elsewhere_takes_the_answer(tg: Harness) -> None:
    """The bot remembers the question it asked; if another platform (or the engine)
    opened a newer one since, the answer goes to the question that is open."""
    await tg.onboard(ADA)
    await ask(tg, ADA, "data-formats")
    person = tg.person(ADA)
    tg.app.practice.skip(person, tg.app.practice.current(person).attempt_id)  # type: ignore[union-attr]
    other = tg.app.practice.next_question(person, topic="web-security", source="discord")
    assert other is not None
    result = (await tg.say(ADA, "true"))[0]
    assert "Score 100%" in result.text
    assert [r["question_id"] for r in reviews(tg, ADA)] == ["tg.tf"]
    # and a remembered question answered elsewhere is not answered twice here
    await ask(tg, ADA, "sql")
    open_now = tg.app.practice.current(person)
    assert open_now is not None
    tg.app.practice.submit_answer(person, open_now.attempt_id, "1")
    reply = (await tg.say(ADA, "2"))[0]
    assert reply.text.startswith("No question is open")
    assert len(reviews(tg, ADA)) == 2


async def test_a_tap_whose_acknowledgement_fails_still_shows_the_result(tg: Harness) -> None:
    await tg.onboard(ADA)
    question = await ask(tg, ADA, "web-security")
    tg.api.fail(
        "answerCallbackQuery",
        fake_api.Failure(400, "Bad Request: query is too old and response timeout expired"),
    )
    await tg.press(ADA, question, "1. True")
    assert "Score" in question.text
    assert "⭐ Easy" in question.buttons
    assert len(reviews(tg, ADA)) == 1
    # one acknowledgement and one edit for the tap (sent at once)
    tap_calls = [name for name, _ in tg.api.calls[-2:]]
    assert sorted(tap_calls) == ["answerCallbackQuery", "editMessageText"]


async def test_a_result_too_long_for_the_question_message_is_sent_below_it(tg: Harness) -> None:
    await tg.onboard(ADA)
    question = await ask(tg, ADA, "web-security")
    # Telegram shows a question near the 4,096-character limit (a long prompt): the
    # result cannot join it in one message
    shown = Sent(
        question.chat_id, question.message_id, question.html + "\n" + "x" * 4000, question.keyboard
    )
    calls = len(tg.api.calls)
    sent = await tg.tap(ADA, shown, question.data("1. True"))
    assert len(sent) == 1
    assert "Score 100%" in sent[0].text
    assert "⭐ Easy" in sent[0].buttons
    assert question.keyboard is None  # the question's buttons are gone: no double answer
    assert question.html.endswith("<i>Tap an option.</i>")  # its text is untouched
    tap_calls = sorted(name for name, _ in tg.api.calls[calls:])
    assert tap_calls == ["answerCallbackQuery", "editMessageReplyMarkup", "sendMessage"]
    assert len(reviews(tg, ADA)) == 1


async def test_a_question_that_cannot_be_edited_gets_its_result_sent(tg: Harness) -> None:
    await tg.onboard(ADA)
    question = await ask(tg, ADA, "web-security")
    tg.api.fail("editMessageText", fake_api.Failure(400, "Bad Request: message can't be edited"))
    calls = len(tg.api.calls)
    sent = await tg.press(ADA, question, "1. True")
    assert len(sent) == 1
    assert "Score 100%" in sent[0].text
    assert question.keyboard is None
    tap_calls = sorted(name for name, _ in tg.api.calls[calls:])
    assert tap_calls == [
        "answerCallbackQuery",  # once: the fallback does not acknowledge again
        "editMessageReplyMarkup",
        "editMessageText",
        "sendMessage",
    ]
    assert len(reviews(tg, ADA)) == 1
    # rating the result sent instead works as usual
    await tg.press(ADA, sent[0], "Good")
    assert tg.toast().startswith("Rated Good")
    assert sent[0].buttons[:4] == ["Again", "Hard", "✔ Good", "Easy"]
