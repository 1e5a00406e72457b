"""Answer grading: scores, key-point statuses, feedback and a suggested rating.

Public API::

    from interviewprep.grading import default_grader, grade, sample_band

    result = grade(question, "PUT and DELETE are idempotent, POST is not")
    result.score, result.rating, result.band, result.feedback

:func:`default_grader` returns the offline :class:`DefaultGrader` (no model, no
network). :func:`make_grader` builds a grader by name for the CLI and the
evaluation harness.
"""

from __future__ import annotations

from functools import lru_cache

from interviewprep.bank.schema import ExpectedGrade, Question
from interviewprep.grading.bands import DEFAULT_BANDS, RatingBands
from interviewprep.grading.offline import DefaultGrader
from interviewprep.grading.prepare import MAX_ANSWER_CHARS
from interviewprep.grading.registry import GRADER_NAMES, make_grader
from interviewprep.grading.result import Grader, GradeResult, KeyPointResult, KeyPointStatus
from interviewprep.grading.rubric import RubricSettings

__all__ = [
    "DEFAULT_BANDS",
    "GRADER_NAMES",
    "MAX_ANSWER_CHARS",
    "DefaultGrader",
    "GradeResult",
    "Grader",
    "KeyPointResult",
    "KeyPointStatus",
    "RatingBands",
    "RubricSettings",
    "default_grader",
    "grade",
    "make_grader",
    "sample_band",
]


@lru_cache(maxsize=1)
def default_grader() -> DefaultGrader:
    """The shared offline grader (created once; it is stateless apart from caches)."""
    return DefaultGrader()


def grade(question: Question, answer: str) -> GradeResult:
    """Grade ``answer`` with the default grader; never raises."""
    return default_grader().grade(question, answer)


def sample_band(question: Question, answer: str) -> ExpectedGrade | None:
    """The band (pass/partial/fail) the default grader gives a sample answer.

    The pack validator calls this for the rubric tests. None when the answer could
    not be graded.
    """
    return default_grader().grade(question, answer).band
