"""What a grader returns: the contract between graders, services and adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from interviewprep.bank.schema import ExpectedGrade, Question
from interviewprep.domain.rating import Rating


class KeyPointStatus(StrEnum):
    """How an answer treated one key point."""

    COVERED = "covered"
    MISSING = "missing"
    CONTRADICTED = "contradicted"


@dataclass(frozen=True)
class KeyPointResult:
    """One key point of the rubric and what the answer did with it.

    Attributes:
        coverage: how much of the best-matching wording the answer has, 0..1.
        evidence: the part of the answer that matched (empty when missing).
    """

    id: str
    text: str
    status: KeyPointStatus
    weight: float = 1.0
    coverage: float = 0.0
    evidence: str = ""


@dataclass(frozen=True)
class GradeResult:
    """The outcome of grading one answer.

    Attributes:
        score: in [0, 1]; None when the answer could not be graded automatically
            (then ``rating`` is None too and the person rates themselves).
        rating: the suggested rating, which the person confirms or overrides.
        key_points: per key point status (open and behavioural questions).
        misconceptions: listed misconceptions the answer states.
        feedback: one or two short sentences for the person.
        grader: the name of the grader that produced this result.
        elapsed_ms: time spent grading.
        correct: for auto-graded types, whether the answer was right.
        truncated: the answer was longer than the grader reads and was cut.
    """

    score: float | None
    rating: Rating | None
    feedback: str
    grader: str
    elapsed_ms: float = 0.0
    key_points: tuple[KeyPointResult, ...] = ()
    misconceptions: tuple[str, ...] = ()
    correct: bool | None = None
    truncated: bool = False
    details: dict[str, str] = field(default_factory=dict)

    @property
    def gradable(self) -> bool:
        """False when the person has to rate the answer themselves."""
        return self.score is not None

    @property
    def band(self) -> ExpectedGrade | None:
        """The pass/partial/fail band of the suggested rating."""
        if self.rating is None:
            return None
        if self.rating is Rating.AGAIN:
            return ExpectedGrade.FAIL
        if self.rating is Rating.HARD:
            return ExpectedGrade.PARTIAL
        return ExpectedGrade.PASS


class Grader(Protocol):
    """Anything that grades an answer to a question. Must never raise on odd input."""

    name: str
    # True when grading is bounded CPU work in this process (capped input, no network,
    # no native code that releases the GIL for long): a caller may run it on an event loop
    loop_safe: bool

    def grade(self, question: Question, answer: str) -> GradeResult:
        """Grade ``answer`` against ``question``'s rubric."""
        ...
