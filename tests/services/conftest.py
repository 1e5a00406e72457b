"""Service-test wiring: the real services and database, a fake grader, a fixed clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from interviewprep.bank.loader import Bank, load_bank
from interviewprep.bank.schema import Question
from interviewprep.domain.clock import FixedClock
from interviewprep.domain.rating import Rating
from interviewprep.grading.result import GradeResult
from interviewprep.services.practice import Practice
from interviewprep.services.views import QuestionView
from interviewprep.storage.uow import UnitOfWorkFactory

PACKS = Path(__file__).parent.parent / "fixtures" / "packs"


class FakeGrader:
    """Grades by keywords so tests can choose the outcome they need."""

    name = "fake"
    loop_safe = True

    def __init__(self) -> None:
        self.calls = 0

    def grade(self, question: Question, answer: str) -> GradeResult:
        self.calls += 1
        text = answer.lower()
        if "boom" in text:
            raise RuntimeError("grader bug")
        if "selfrate" in text:
            return GradeResult(score=None, rating=None, feedback="rate yourself", grader=self.name)
        if text.startswith(("right", "correct")):
            return GradeResult(score=0.9, rating=Rating.GOOD, feedback="good", grader=self.name)
        if text.startswith("half"):
            return GradeResult(score=0.5, rating=Rating.HARD, feedback="partly", grader=self.name)
        return GradeResult(score=0.1, rating=Rating.AGAIN, feedback="no", grader=self.name)


@pytest.fixture
def bank() -> Bank:
    """The small test pack (13 questions on sql, http and caching)."""
    loaded = load_bank([PACKS])
    assert not loaded.skipped
    return loaded


@pytest.fixture
def grader() -> FakeGrader:
    return FakeGrader()


@pytest.fixture
def practice(engine: Engine, bank: Bank, grader: FakeGrader, clock: FixedClock) -> Practice:
    """The practice services on a migrated database, without interval fuzzing."""
    return Practice(UnitOfWorkFactory(engine), bank, grader, clock=clock, fuzz_intervals=False)


def asked_with_hints(practice: Practice, person: int) -> QuestionView:
    """Ask the person (whose topics hold the fixture's caching questions) until a
    question with hints comes: the open ones are skipped."""
    view = practice.next_question(person)
    assert view is not None
    while view.question_id.startswith("t.open"):
        practice.skip(person, view.attempt_id)
        following = practice.next_question(person)
        assert following is not None
        view = following
    return view
