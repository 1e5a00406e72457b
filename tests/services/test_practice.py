"""The practice loop through the real services, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel

from interviewprep.bank.loader import Bank
from interviewprep.domain.clock import FixedClock
from interviewprep.domain.queue import ItemKind
from interviewprep.domain.rating import Rating
from interviewprep.services.errors import (
    AttemptClosed,
    InvalidAnswer,
    InvalidSetting,
    NotEnrolled,
    QuestionRemoved,
    RatingLocked,
    UnknownAttempt,
    UnknownReview,
)
from interviewprep.services.practice import MAX_ANSWER_CHARS, Practice
from interviewprep.storage.tables import Review
from interviewprep.storage.uow import UnitOfWorkFactory
from tests.services.conftest import FakeGrader, asked_with_hints


def _count_reviews(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Review)).scalar_one())


def _answer_new(practice: Practice, person: int, text: str = "right") -> int:
    view = practice.next_question(person)
    assert view is not None
    return practice.submit_answer(person, view.attempt_id, text).review_id


def test_enrol_is_idempotent_per_platform_account(practice: Practice) -> None:
    first = practice.enrol("telegram", "42", "Ada")
    assert practice.enrol("telegram", "42", "Ada again") == first
    assert practice.enrol("discord", "42") != first
    assert practice.find_person("telegram", "42") == first
    assert practice.find_person("telegram", "43") is None


def test_answer_is_graded_scheduled_and_saved(practice: Practice, clock: FixedClock) -> None:
    person = practice.enrol("terminal", "me")
    view = practice.next_question(person)
    assert view is not None
    assert view.kind is ItemKind.NEW
    outcome = practice.submit_answer(person, view.attempt_id, "right answer")
    assert outcome.suggested is Rating.GOOD
    assert outcome.rating is Rating.GOOD
    assert outcome.grade.score == pytest.approx(0.9)
    assert outcome.model_answer
    assert outcome.next_due is not None
    assert outcome.next_due > clock.now + timedelta(days=1)


def test_second_submission_changes_nothing_and_says_so(
    practice: Practice, engine: Engine, grader: FakeGrader
) -> None:
    person = practice.enrol("terminal", "me")
    view = practice.next_question(person)
    assert view is not None
    first = practice.submit_answer(person, view.attempt_id, "right")
    again = practice.submit_answer(person, view.attempt_id, "wrong this time")
    assert again.already_answered
    assert again.review_id == first.review_id
    assert again.rating is Rating.GOOD
    assert again.answer == "right"
    assert grader.calls == 1
    assert _count_reviews(engine) == 1


def test_forged_or_unknown_attempts_are_refused(practice: Practice) -> None:
    alice = practice.enrol("telegram", "1")
    mallory = practice.enrol("telegram", "2")
    view = practice.next_question(alice)
    assert view is not None
    with pytest.raises(UnknownAttempt):
        practice.submit_answer(mallory, view.attempt_id, "right")
    with pytest.raises(UnknownAttempt):
        practice.submit_answer(alice, 987654, "right")
    with pytest.raises(NotEnrolled):
        practice.next_question(424242)
    # Alice's question is untouched by the forgery
    assert practice.submit_answer(alice, view.attempt_id, "right").rating is Rating.GOOD


@pytest.mark.parametrize(
    "answer",
    ["", "   \n\t ", "\x00\x01\x02", "x" * (MAX_ANSWER_CHARS + 1), "y" * 100_000],
)
def test_unusable_answers_are_refused_and_the_question_stays_open(
    practice: Practice, answer: str
) -> None:
    person = practice.enrol("terminal", "me")
    view = practice.next_question(person)
    assert view is not None
    with pytest.raises(InvalidAnswer) as info:
        practice.submit_answer(person, view.attempt_id, answer)
    assert "still open" in str(info.value) or "empty" in str(info.value)
    resumed = practice.next_question(person)
    assert resumed is not None
    assert resumed.attempt_id == view.attempt_id
    assert resumed.resumed


def test_control_characters_are_stripped_not_stored(practice: Practice) -> None:
    person = practice.enrol("terminal", "me")
    view = practice.next_question(person)
    assert view is not None
    outcome = practice.submit_answer(person, view.attempt_id, "right\x00 answer\x1b[31m\nline two")
    assert outcome.answer == "right answer[31m\nline two"


def test_override_reschedules_from_the_state_before_the_answer(practice: Practice) -> None:
    person = practice.enrol("terminal", "me")
    view = practice.next_question(person)
    assert view is not None
    outcome = practice.submit_answer(person, view.attempt_id, "right")
    confirmed = practice.rate(person, outcome.review_id, Rating.GOOD)
    assert not confirmed.changed
    lowered = practice.rate(person, outcome.review_id, Rating.AGAIN)
    assert lowered.changed
    assert lowered.suggested is Rating.GOOD
    assert outcome.next_due is not None
    assert lowered.next_due < outcome.next_due
    raised = practice.rate(person, outcome.review_id, Rating.GOOD)
    assert raised.next_due == outcome.next_due  # same start state, same rating, no fuzz


def test_rating_is_locked_once_the_question_is_answered_again(
    practice: Practice, clock: FixedClock
) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, new_per_day=1)
    first = _answer_new(practice, person, "wrong")
    clock.advance(timedelta(days=2))
    view = practice.next_question(person)
    assert view is not None
    assert view.kind is ItemKind.REVIEW
    practice.submit_answer(person, view.attempt_id, "right")
    with pytest.raises(RatingLocked):
        practice.rate(person, first, Rating.EASY)
    other = practice.enrol("terminal", "other")
    with pytest.raises(UnknownReview):
        practice.rate(other, first, Rating.EASY)


def test_self_rated_answer_is_scheduled_only_when_rated(practice: Practice) -> None:
    person = practice.enrol("terminal", "me")
    view = practice.ask(person, "t.open-4")
    outcome = practice.submit_answer(person, view.attempt_id, "selfrate please")
    assert outcome.suggested is None
    assert outcome.rating is None
    assert outcome.next_due is None
    rated = practice.rate(person, outcome.review_id, Rating.HARD)
    assert rated.changed
    assert rated.rating is Rating.HARD


def test_a_grader_crash_keeps_the_answer_for_self_rating(practice: Practice) -> None:
    person = practice.enrol("terminal", "me")
    view = practice.ask(person, "t.open-4")
    outcome = practice.submit_answer(person, view.attempt_id, "boom")
    assert outcome.suggested is None
    assert "rate it yourself" in outcome.grade.feedback
    assert outcome.answer == "boom"


def test_an_unreadable_choice_is_refused_and_the_question_stays_open(
    practice: Practice, engine: Engine
) -> None:
    person = practice.enrol("terminal", "me")
    view = practice.ask(person, "t.choice-1")
    with pytest.raises(InvalidAnswer, match="still open"):
        practice.submit_answer(person, view.attempt_id, "selfrate: maybe the second?")
    assert _count_reviews(engine) == 0
    assert practice.submit_answer(person, view.attempt_id, "right").rating is Rating.GOOD


def test_asking_a_removed_question_is_refused(practice: Practice) -> None:
    person = practice.enrol("terminal", "me")
    with pytest.raises(QuestionRemoved):
        practice.ask(person, "t.no-such-question")


def test_new_questions_respect_the_daily_limit_and_due_reviews_come_first(
    practice: Practice, clock: FixedClock
) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, new_per_day=2)
    seen = [_answer_new(practice, person, "wrong") for _ in range(2)]
    assert len(seen) == 2
    assert practice.next_question(person) is None  # limit reached, nothing due yet
    clock.advance(timedelta(days=1, hours=1))
    view = practice.next_question(person)
    assert view is not None
    assert view.kind is ItemKind.REVIEW  # failed yesterday: due before anything new


def test_topic_filter_and_level(practice: Practice) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, new_per_day=20, level="mid")
    asked = []
    while (view := practice.next_question(person, topic="sql")) is not None:
        asked.append(view.question_id)
        practice.submit_answer(person, view.attempt_id, "right")
    assert asked
    assert "t.open-99" not in asked  # senior question, mid-level person
    assert all(q in {"t.choice-1", "t.choice-2", "t.choice-3", "t.open-4"} for q in asked)


def test_new_questions_interleave_topics(practice: Practice) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, new_per_day=6)
    topics = []
    for _ in range(6):
        view = practice.next_question(person)
        assert view is not None
        topics.append(view.topics[0])
        practice.submit_answer(person, view.attempt_id, "right")
    assert all(a != b for a, b in itertools.pairwise(topics))


def test_skip_puts_a_question_aside_until_tomorrow(practice: Practice, clock: FixedClock) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, new_per_day=1, topics=["http"])
    view = practice.next_question(person)
    assert view is not None
    practice.skip(person, view.attempt_id)
    with pytest.raises(AttemptClosed):
        practice.submit_answer(person, view.attempt_id, "right")
    following = practice.next_question(person)
    assert following is not None
    assert following.question_id != view.question_id
    practice.skip(person, following.attempt_id)


def test_hints_come_in_order_and_lower_the_suggestion(practice: Practice) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, topics=["caching"])
    view = asked_with_hints(practice, person)
    number = view.question_id.split("-")[1]
    assert practice.hint(person, view.attempt_id) == f"first hint {number}"
    assert practice.hint(person, view.attempt_id) == f"second hint {number}"
    assert practice.hint(person, view.attempt_id) is None
    outcome = practice.submit_answer(person, view.attempt_id, "right")
    assert outcome.suggested is Rating.HARD


def test_reveal_schedules_again_and_does_not_count_for_the_streak(practice: Practice) -> None:
    person = practice.enrol("terminal", "me")
    view = practice.next_question(person)
    assert view is not None
    outcome = practice.reveal(person, view.attempt_id)
    assert outcome.revealed
    assert outcome.rating is Rating.AGAIN
    assert outcome.model_answer
    assert practice.streak(person).current == 0


def test_streak_follows_the_local_day(practice: Practice, clock: FixedClock) -> None:
    # 09:00 UTC is 01:00 in Los Angeles (UTC-8 on 7 March 2026)
    person = practice.enrol("terminal", "me", timezone="America/Los_Angeles")
    practice.update_settings(person, new_per_day=10)
    _answer_new(practice, person)
    clock.advance(timedelta(hours=20))  # 05:00 UTC next day = 21:00 the same LA day
    _answer_new(practice, person)
    streak = practice.streak(person)
    assert (streak.current, streak.total_days, streak.today_done) == (1, 1, True)
    clock.advance(timedelta(hours=10))  # 07:00 on 8 March in LA (now UTC-7)
    assert practice.streak(person).at_risk
    _answer_new(practice, person)
    assert practice.streak(person).current == 2


def test_changing_time_zone_keeps_recorded_days(practice: Practice, clock: FixedClock) -> None:
    person = practice.enrol("terminal", "me", timezone="Pacific/Auckland")
    _answer_new(practice, person)  # 22:00 on 7 March in Auckland
    practice.update_settings(person, timezone="Pacific/Honolulu")  # still 6 March there
    streak = practice.streak(person)
    assert streak.total_days == 1
    assert streak.history[0][0] == date(2026, 3, 7)


def test_stats_report_topics_forecast_and_weakest(practice: Practice, clock: FixedClock) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, new_per_day=6)
    for text in ["right", "wrong", "right", "half", "right", "wrong"]:
        _answer_new(practice, person, text)
    stats = practice.stats(person)
    assert stats.answered == 6
    assert stats.correct == 4
    assert stats.cards == 6
    assert {t.topic for t in stats.topics} == {"sql", "http", "caching"}
    assert sum(n for _, n in stats.forecast) == 6
    assert stats.forecast[0][0] == date(2026, 3, 7)
    assert stats.weakest


def test_export_then_forget(practice: Practice, engine: Engine) -> None:
    person = practice.enrol("telegram", "7", "Grace")
    _answer_new(practice, person)
    data = practice.export(person)
    assert data["person"]["display_name"] == "Grace"
    assert [i["external_id"] for i in data["identities"]] == ["7"]
    assert len(data["reviews"]) == 1
    assert data["reviews"][0]["answer"] == "right"
    practice.forget(person)
    assert practice.find_person("telegram", "7") is None
    assert _count_reviews(engine) == 0
    with engine.connect() as connection:  # nothing of theirs is left, derived rows too
        left = {
            table.name: n
            for table in SQLModel.metadata.sorted_tables
            if "person_id" in table.c
            and (
                n := connection.execute(
                    select(func.count()).where(table.c.person_id == person)
                ).scalar_one()
            )
        }
    assert left == {}
    with pytest.raises(NotEnrolled):
        practice.stats(person)


def test_removed_question_keeps_history_and_is_not_asked(
    practice: Practice, engine: Engine, bank: Bank, grader: FakeGrader, clock: FixedClock
) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, new_per_day=1)
    answered = practice.next_question(person)
    assert answered is not None
    practice.submit_answer(person, answered.attempt_id, "wrong")
    clock.advance(timedelta(days=1, hours=1))
    pending = practice.next_question(person)
    assert pending is not None
    assert pending.question_id == answered.question_id
    smaller = Bank()
    for loaded in bank.packs:
        smaller.packs.append(loaded)
    smaller._by_id = {q.id: q for q in bank if q.id != answered.question_id}
    after = Practice(UnitOfWorkFactory(engine), smaller, grader, clock=clock, fuzz_intervals=False)
    with pytest.raises(QuestionRemoved):
        after.submit_answer(person, pending.attempt_id, "right")
    view = after.next_question(person)
    assert view is not None
    assert view.question_id != answered.question_id
    assert _count_reviews(engine) == 1
    assert after.stats(person).cards == 1  # the card (history) is kept


def test_restart_mid_question_resumes_the_same_attempt(
    practice: Practice, engine: Engine, bank: Bank, clock: FixedClock
) -> None:
    person = practice.enrol("terminal", "me")
    view = practice.next_question(person)
    assert view is not None
    restarted = Practice(UnitOfWorkFactory(engine), bank, FakeGrader(), clock=clock)
    resumed = restarted.next_question(person)
    assert resumed is not None
    assert (resumed.attempt_id, resumed.resumed) == (view.attempt_id, True)
    assert restarted.submit_answer(person, view.attempt_id, "right").rating is Rating.GOOD


def test_interview_date_raises_the_new_question_allowance(
    practice: Practice, clock: FixedClock
) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, new_per_day=1, level="senior", interview_date=date(2026, 3, 9))
    asked = 0
    while practice.next_question(person) is not None and asked < 20:
        view = practice.next_question(person)
        assert view is not None
        practice.submit_answer(person, view.attempt_id, "right")
        asked += 1
    assert asked == 7  # 13 unseen over 2 days left: ceil(13 / 2)


def test_leeches_are_flagged_with_the_explanation(practice: Practice, clock: FixedClock) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, new_per_day=1, topics=["http"])
    view = practice.next_question(person)
    assert view is not None
    question_id = view.question_id
    for _ in range(7):
        practice.submit_answer(person, view.attempt_id, "wrong")
        clock.advance(timedelta(days=3))
        next_view = practice.next_question(person)
        assert next_view is not None
        assert next_view.question_id == question_id
        view = next_view
    assert view.leech
    assert view.leech_note
    assert question_id in practice.stats(person).leeches


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"delivery_time": "25:00"}, "delivery_time"),
        ({"new_per_day": -1}, "new_per_day"),
        ({"rest_days": [0, 1, 2, 3, 4, 5, 6]}, "rest_days"),
        ({"topics": ["astrology"]}, "topics"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_settings_are_refused_by_name(
    practice: Practice, change: dict[str, object], named: str
) -> None:
    person = practice.enrol("terminal", "me")
    with pytest.raises(InvalidSetting) as info:
        practice.update_settings(person, **change)
    assert named in str(info.value)
    assert practice.settings(person).timezone == "UTC"


def test_simultaneous_answers_to_one_question_are_recorded_once(
    practice: Practice, engine: Engine
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    person = practice.enrol("telegram", "double-tapper")
    view = practice.ask(person, "t.choice-1")
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(
            pool.map(lambda _: practice.submit_answer(person, view.attempt_id, "right"), range(6))
        )
    assert len({o.review_id for o in outcomes}) == 1
    assert sum(not o.already_answered for o in outcomes) == 1
    assert _count_reviews(engine) == 1


def test_new_questions_follow_each_persons_stable_shuffle(practice: Practice, bank: Bank) -> None:
    # the order existing users have: BLAKE2b of "{person}:{question}" among equally weak
    # topics, interleaved by topic; a change of it would reorder everyone's remaining bank
    for name in ("me", "you", "them"):
        person = practice.enrol("terminal", name)
        practice.update_settings(person, new_per_day=50, level="senior")

        def shuffled(question_id: str, person: int = person) -> int:
            text = f"{person}:{question_id}".encode()
            return int.from_bytes(hashlib.blake2b(text, digest_size=4).digest(), "big")

        view = practice.next_question(person)
        assert view is not None
        assert view.question_id == min((q.id for q in bank), key=lambda q: (shuffled(q), q))


def test_a_question_set_aside_for_another_topic_is_closed(practice: Practice) -> None:
    person = practice.enrol("terminal", "me")
    practice.update_settings(person, new_per_day=20, level="senior")
    first = practice.next_question(person, topic="sql")
    assert first is not None
    second = practice.next_question(person, topic="http")
    assert second is not None
    assert second.attempt_id != first.attempt_id
    with pytest.raises(AttemptClosed):  # skipped when the other topic's question was asked
        practice.submit_answer(person, first.attempt_id, "right")
    assert practice.submit_answer(person, second.attempt_id, "right").review_id > 0
    again = practice.next_question(person)  # no leftover open attempt is offered
    assert again is not None
    assert again.attempt_id not in {first.attempt_id, second.attempt_id}
