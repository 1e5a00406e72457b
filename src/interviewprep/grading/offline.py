"""The default, offline grader: dispatches by question type, times, never raises."""

from __future__ import annotations

import logging
from dataclasses import replace
from time import perf_counter
from typing import Protocol

from interviewprep.bank.schema import (
    Behavioural,
    MultipleChoice,
    OpenQuestion,
    Question,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from interviewprep.grading.bands import DEFAULT_BANDS, RatingBands
from interviewprep.grading.choice import ChoiceGrader, TrueFalseGrader
from interviewprep.grading.common import could_not_grade
from interviewprep.grading.result import GradeResult
from interviewprep.grading.rubric import RubricGrader, RubricSettings
from interviewprep.grading.short_answer import ShortAnswerGrader

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "Something went wrong while grading; rate this answer yourself."


class RubricGraderLike(Protocol):
    """A grader for open and behavioural questions only."""

    name: str

    def grade(self, question: OpenQuestion | Behavioural, answer: str) -> GradeResult:
        """Grade a free-text answer."""
        ...


class DefaultGrader:
    """Grades every question type offline (rapidfuzz and a stemmer, no model).

    Args:
        bands: score-to-rating bands shared by every question type.
        settings: tuning of the open/behavioural rubric grader.
        rubric: a different grader for open and behavioural questions (for example
            the semantic grader); choice and short answers stay exact.
        name: the name reported in :attr:`GradeResult.grader`.
    """

    def __init__(
        self,
        bands: RatingBands = DEFAULT_BANDS,
        settings: RubricSettings | None = None,
        rubric: RubricGraderLike | None = None,
        name: str = "offline",
    ) -> None:
        self.name = name
        # the lexical rubric grader: 7 ms typical for a 4,000-character answer, about
        # 100 ms at worst; another rubric grader (semantic: ONNX) is not assumed to be
        self.loop_safe = rubric is None
        self.bands = bands
        self._choice = ChoiceGrader(bands)
        self._true_false = TrueFalseGrader(bands)
        self._short = ShortAnswerGrader(bands)
        self._rubric: RubricGraderLike = (
            rubric if rubric is not None else RubricGrader(bands, settings)
        )

    def grade(self, question: Question, answer: str) -> GradeResult:
        """Grade ``answer``; the result carries this grader's name and the time taken."""
        start = perf_counter()
        try:
            result = self._dispatch(question, answer)
        except Exception:  # the contract: a grader never raises on odd input
            logger.exception("grading failed for question %s", getattr(question, "id", "?"))
            result = could_not_grade(self.name, INTERNAL_ERROR)
        details = {"method": result.grader, **result.details}
        elapsed = (perf_counter() - start) * 1000
        return replace(result, grader=self.name, elapsed_ms=round(elapsed, 3), details=details)

    def _dispatch(self, question: Question, answer: str) -> GradeResult:
        if isinstance(question, SingleChoice | MultipleChoice):
            return self._choice.grade(question, answer)
        if isinstance(question, TrueFalse):
            return self._true_false.grade(question, answer)
        if isinstance(question, ShortAnswer):
            return self._short.grade(question, answer)
        if isinstance(question, OpenQuestion | Behavioural):
            return self._rubric.grade(question, answer)
        return could_not_grade(self.name, "This question type has no automatic grader.")
