"""Answering from a platform account in one unit of work (``Practice.answer_open`` and
``Practice.answer_attempt``), on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from interviewprep.bank.loader import Bank
from interviewprep.domain.clock import FixedClock
from interviewprep.domain.rating import Rating
from interviewprep.services.errors import (
    AttemptClosed,
    InvalidAnswer,
    NotEnrolled,
    QuestionRemoved,
    RatingLocked,
    UnknownAttempt,
    UnknownReview,
)
from interviewprep.services.practice import Practice
from interviewprep.storage.tables import Attempt, Review
from interviewprep.storage.uow import UnitOfWorkFactory
from tests.services.conftest import FakeGrader, asked_with_hints

ROOT = Path(__file__).resolve().parents[2]


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _status(engine: Engine, attempt_id: int) -> str:
    with engine.connect() as connection:
        row = connection.execute(
            select(Attempt.status).where(Attempt.id == attempt_id)  # type: ignore[arg-type]
        ).scalar_one()
        return str(row)


def test_answer_open_grades_schedules_and_saves_the_open_question(
    practice: Practice, engine: Engine, clock: FixedClock
) -> None:
    person = practice.enrol("telegram", "42", "Ada")
    view = practice.next_question(person)
    assert view is not None
    outcome = practice.answer_open("telegram", "42", "right answer")
    assert outcome is not None
    assert outcome.person_id == person
    assert outcome.attempt_id == view.attempt_id
    assert outcome.question_id == view.question_id
    assert outcome.rating is Rating.GOOD
    assert outcome.next_due is not None
    assert outcome.next_due > clock.now + timedelta(days=1)
    assert not outcome.already_answered
    assert _status(engine, view.attempt_id) == "answered"
    # the same as submit_answer stores: one review, the card scheduled
    stored = practice.export(person)
    assert [r["attempt_id"] for r in stored["reviews"]] == [view.attempt_id]
    assert [c["question_id"] for c in stored["cards"]] == [view.question_id]


def test_answer_open_for_an_unknown_account_is_not_enrolled(
    practice: Practice, engine: Engine
) -> None:
    practice.enrol("telegram", "42")
    with pytest.raises(NotEnrolled):
        practice.answer_open("telegram", "43", "right")
    with pytest.raises(NotEnrolled):
        practice.answer_open("discord", "42", "right")  # the same id on another platform
    assert _count(engine, Review) == 0


def test_answer_open_with_nothing_open_returns_none(practice: Practice, engine: Engine) -> None:
    person = practice.enrol("telegram", "42")
    assert practice.answer_open("telegram", "42", "right") is None
    view = practice.next_question(person)
    assert view is not None
    practice.skip(person, view.attempt_id)
    assert practice.answer_open("telegram", "42", "right") is None  # skipped is not open
    assert _count(engine, Review) == 0


def test_a_second_message_is_not_graded_twice(
    practice: Practice, engine: Engine, grader: FakeGrader
) -> None:
    person = practice.enrol("telegram", "42")
    view = practice.next_question(person)
    assert view is not None
    first = practice.answer_open("telegram", "42", "right")
    assert first is not None
    # the answered question is no longer open: nothing is graded or stored
    assert practice.answer_open("telegram", "42", "wrong this time") is None
    assert grader.calls == 1
    assert _count(engine, Review) == 1
    # and a direct resubmission of that attempt says it was answered already
    again = practice.answer_attempt("telegram", "42", view.attempt_id, "wrong")
    assert again.already_answered
    assert again.review_id == first.review_id
    assert again.answer == "right"
    assert again.person_id == person
    assert grader.calls == 1


def test_answer_open_takes_the_newest_open_attempt(practice: Practice, engine: Engine) -> None:
    person = practice.enrol("telegram", "42")
    older = practice.ask(person, "t.choice-1")
    newer = practice.ask(person, "t.open-4")  # ask() leaves the older attempt open
    outcome = practice.answer_open("telegram", "42", "right")
    assert outcome is not None
    assert outcome.attempt_id == newer.attempt_id
    assert _status(engine, older.attempt_id) == "asked"
    following = practice.answer_open("telegram", "42", "half right")
    assert following is not None
    assert following.attempt_id == older.attempt_id


def test_answer_open_refuses_an_empty_answer_and_keeps_the_question_open(
    practice: Practice, engine: Engine
) -> None:
    person = practice.enrol("telegram", "42")
    view = practice.ask(person, "t.choice-1")
    with pytest.raises(InvalidAnswer):
        practice.answer_open("telegram", "42", " \u200b ")
    with pytest.raises(InvalidAnswer, match="still open"):
        practice.answer_open("telegram", "42", "selfrate: maybe the second?")  # unreadable pick
    assert _status(engine, view.attempt_id) == "asked"
    outcome = practice.answer_open("telegram", "42", "right")
    assert outcome is not None
    assert outcome.rating is Rating.GOOD


def test_answer_open_on_a_removed_question_closes_it(
    practice: Practice, engine: Engine, bank: Bank, grader: FakeGrader, clock: FixedClock
) -> None:
    person = practice.enrol("telegram", "42")
    view = practice.ask(person, "t.choice-1")
    smaller = Bank()
    smaller.packs.extend(bank.packs)
    smaller._by_id = {q.id: q for q in bank if q.id != "t.choice-1"}
    after = Practice(UnitOfWorkFactory(engine), smaller, grader, clock=clock, fuzz_intervals=False)
    with pytest.raises(QuestionRemoved):
        after.answer_open("telegram", "42", "right")
    assert _status(engine, view.attempt_id) == "skipped"
    assert after.answer_open("telegram", "42", "right") is None
    assert _count(engine, Review) == 0


def test_answer_attempt_grades_a_tapped_option(practice: Practice) -> None:
    person = practice.enrol("telegram", "42")
    view = practice.ask(person, "t.choice-1")
    outcome = practice.answer_attempt("telegram", "42", view.attempt_id, "right")
    assert outcome.person_id == person
    assert outcome.attempt_id == view.attempt_id
    assert outcome.rating is Rating.GOOD


def test_answer_attempt_refuses_other_peoples_and_unknown_attempts(
    practice: Practice, engine: Engine
) -> None:
    alice = practice.enrol("telegram", "1")
    practice.enrol("telegram", "2")
    view = practice.ask(alice, "t.choice-1")
    with pytest.raises(UnknownAttempt):
        practice.answer_attempt("telegram", "2", view.attempt_id, "right")  # Mallory's forgery
    with pytest.raises(UnknownAttempt):
        practice.answer_attempt("telegram", "1", 987654, "right")
    with pytest.raises(NotEnrolled):
        practice.answer_attempt("telegram", "3", view.attempt_id, "right")
    assert _count(engine, Review) == 0
    assert _status(engine, view.attempt_id) == "asked"  # Alice's question is untouched


def test_answer_attempt_on_a_skipped_or_revealed_question_is_refused(
    practice: Practice, engine: Engine
) -> None:
    person = practice.enrol("telegram", "42")
    skipped = practice.ask(person, "t.choice-1")
    practice.skip(person, skipped.attempt_id)
    with pytest.raises(AttemptClosed):
        practice.answer_attempt("telegram", "42", skipped.attempt_id, "right")
    revealed = practice.ask(person, "t.choice-2")
    practice.reveal(person, revealed.attempt_id)
    with pytest.raises(AttemptClosed, match="revealed"):
        practice.answer_attempt("telegram", "42", revealed.attempt_id, "right")
    assert _count(engine, Review) == 1  # the reveal's


def test_simultaneous_taps_are_recorded_once(
    practice: Practice, engine: Engine, grader: FakeGrader
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    person = practice.enrol("telegram", "double-tapper")
    view = practice.ask(person, "t.choice-1")
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(
            pool.map(
                lambda _: practice.answer_attempt(
                    "telegram", "double-tapper", view.attempt_id, "right"
                ),
                range(6),
            )
        )
    assert len({o.review_id for o in outcomes}) == 1
    assert sum(not o.already_answered for o in outcomes) == 1
    assert all(o.person_id == person for o in outcomes)
    assert _count(engine, Review) == 1


def test_a_fresh_process_can_answer_first_thing(
    practice: Practice, engine: Engine, tmp_path: Path
) -> None:
    """The answer path runs no ORM query: mappers must be configured anyway."""
    if engine.dialect.name != "sqlite":
        pytest.skip("one database is enough for a process-start check")
    person = practice.enrol("telegram", "42")
    practice.ask(person, "t.choice-1")
    script = textwrap.dedent(
        f"""
        from interviewprep.bank.loader import load_bank
        from interviewprep.services.practice import Practice
        from interviewprep.storage import db
        from interviewprep.storage.uow import UnitOfWorkFactory
        from tests.services.conftest import PACKS, FakeGrader

        engine = db.make_engine({str(engine.url)!r})
        practice = Practice(UnitOfWorkFactory(engine), load_bank([PACKS]), FakeGrader())
        print(practice.answer_open("telegram", "42", "right").rating.name)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "GOOD"


def _card_due(practice: Practice, person: int, question_id: str) -> object:
    cards = practice.export(person)["cards"]
    return next(c["due"] for c in cards if c["question_id"] == question_id)


def test_rate_by_account_confirms_then_overrides_from_the_state_before_the_answer(
    practice: Practice, engine: Engine
) -> None:
    person = practice.enrol("telegram", "42")
    view = practice.ask(person, "t.choice-1")
    outcome = practice.answer_attempt("telegram", "42", view.attempt_id, "right")
    confirmed = practice.rate_by_account("telegram", "42", outcome.review_id, Rating.GOOD)
    assert not confirmed.changed
    assert confirmed.next_due == outcome.next_due
    stored = practice.export(person)["reviews"][0]
    assert (stored["rating"], stored["rated_at"] is not None) == (int(Rating.GOOD), True)
    lowered = practice.rate_by_account("telegram", "42", outcome.review_id, Rating.AGAIN)
    assert lowered.changed
    assert lowered.suggested is Rating.GOOD
    assert outcome.next_due is not None
    assert lowered.next_due < outcome.next_due
    assert _card_due(practice, person, view.question_id) == lowered.next_due.isoformat()
    # the same as rate() by person id: the same start state, the same schedule
    raised = practice.rate(person, outcome.review_id, Rating.GOOD)
    assert raised.next_due == outcome.next_due
    assert practice.export(person)["reviews"][0]["rating"] == int(Rating.GOOD)
    assert _count(engine, Review) == 1


def test_rate_by_account_refuses_other_peoples_unknown_and_locked_reviews(
    practice: Practice, clock: FixedClock
) -> None:
    alice = practice.enrol("telegram", "1")
    practice.enrol("telegram", "2")
    first = practice.ask(alice, "t.choice-1")
    outcome = practice.answer_attempt("telegram", "1", first.attempt_id, "wrong")
    with pytest.raises(UnknownReview):
        practice.rate_by_account("telegram", "2", outcome.review_id, Rating.EASY)  # forged
    with pytest.raises(UnknownReview):
        practice.rate_by_account("telegram", "1", 987654, Rating.EASY)
    with pytest.raises(NotEnrolled):
        practice.rate_by_account("telegram", "3", outcome.review_id, Rating.EASY)
    assert practice.export(alice)["reviews"][0]["rating"] == int(Rating.AGAIN)  # untouched
    # answered again since: the old answer's rating is locked
    clock.advance(timedelta(days=2))
    again = practice.ask(alice, "t.choice-1")
    practice.answer_attempt("telegram", "1", again.attempt_id, "right")
    with pytest.raises(RatingLocked):
        practice.rate_by_account("telegram", "1", outcome.review_id, Rating.EASY)


def test_rate_by_account_schedules_a_self_rated_answer(practice: Practice) -> None:
    person = practice.enrol("telegram", "42")
    view = practice.ask(person, "t.open-4")
    outcome = practice.answer_open("telegram", "42", "selfrate please")
    assert outcome is not None
    assert outcome.rating is None
    rated = practice.rate_by_account("telegram", "42", outcome.review_id, Rating.HARD)
    assert rated.changed
    assert rated.suggested is None
    assert _card_due(practice, person, view.question_id) == rated.next_due.isoformat()


def test_skip_attempt_sets_an_accounts_question_aside(practice: Practice, engine: Engine) -> None:
    with pytest.raises(NotEnrolled):
        practice.skip_attempt("discord", "1", 1)
    person = practice.enrol("discord", "1")
    other = practice.enrol("discord", "2")
    view = practice.next_question(person)
    assert view is not None
    with pytest.raises(UnknownAttempt):
        practice.skip_attempt("discord", "2", view.attempt_id)  # someone else's
    assert _status(engine, view.attempt_id) == "asked"
    practice.skip_attempt("discord", "1", view.attempt_id)
    assert _status(engine, view.attempt_id) == "skipped"
    with pytest.raises(AttemptClosed, match="already skipped"):
        practice.skip_attempt("discord", "1", view.attempt_id)
    following = practice.next_question(person)
    assert following is not None
    assert following.question_id != view.question_id  # set aside for today
    assert practice.next_question(other) is not None


def test_hint_attempt_gives_the_hints_in_order_and_lowers_the_suggestion(
    practice: Practice, engine: Engine
) -> None:
    person = practice.enrol("discord", "1")
    practice.update_settings(person, topics=["caching"])
    view = asked_with_hints(practice, person)
    number = view.question_id.split("-")[1]
    practice.enrol("discord", "2")
    with pytest.raises(UnknownAttempt):
        practice.hint_attempt("discord", "2", view.attempt_id)
    assert practice.hint_attempt("discord", "1", view.attempt_id) == f"first hint {number}"
    assert practice.hint_attempt("discord", "1", view.attempt_id) == f"second hint {number}"
    assert practice.hint_attempt("discord", "1", view.attempt_id) is None
    outcome = practice.answer_attempt("discord", "1", view.attempt_id, "right")
    assert outcome.suggested is Rating.HARD  # two hints: Easy/Good lowered to Hard
    with pytest.raises(AttemptClosed, match="already answered"):
        practice.hint_attempt("discord", "1", view.attempt_id)
    with pytest.raises(NotEnrolled):
        practice.hint_attempt("discord", "9", view.attempt_id)
