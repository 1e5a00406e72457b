"""Small helpers the graders share to build results."""

from __future__ import annotations

from interviewprep.grading.bands import RatingBands
from interviewprep.grading.prepare import MAX_ANSWER_CHARS
from interviewprep.grading.result import GradeResult, KeyPointResult

TRUNCATION_NOTE = f"Only the first {MAX_ANSWER_CHARS:,} characters were graded."


def with_truncation(feedback: str, truncated: bool) -> str:
    """Append the truncation note to ``feedback`` when the answer was cut."""
    return f"{feedback} {TRUNCATION_NOTE}".strip() if truncated else feedback


def could_not_grade(grader: str, reason: str, *, truncated: bool = False) -> GradeResult:
    """A result with no score: the person rates the answer themselves."""
    return GradeResult(
        score=None,
        rating=None,
        feedback=with_truncation(reason, truncated),
        grader=grader,
        truncated=truncated,
        details={"status": "ungradable"},
    )


def scored(
    grader: str,
    score: float,
    bands: RatingBands,
    feedback: str,
    *,
    correct: bool | None = None,
    truncated: bool = False,
    key_points: tuple[KeyPointResult, ...] = (),
    misconceptions: tuple[str, ...] = (),
    details: dict[str, str] | None = None,
) -> GradeResult:
    """A graded result whose rating follows ``bands``."""
    score = min(1.0, max(0.0, round(score, 4)))
    return GradeResult(
        score=score,
        rating=bands.rating(score),
        feedback=with_truncation(feedback, truncated),
        grader=grader,
        key_points=key_points,
        misconceptions=misconceptions,
        correct=correct,
        truncated=truncated,
        details=dict(details or {}),
    )
