"""Score-to-rating bands: how a score in [0, 1] becomes a suggested rating."""

from __future__ import annotations

from dataclasses import dataclass

from interviewprep.bank.schema import ExpectedGrade
from interviewprep.domain.rating import Rating


@dataclass(frozen=True)
class RatingBands:
    """Lower bounds of the Hard, Good and Easy bands; below ``hard`` is Again.

    The defaults are: score < 0.4 Again, < 0.65 Hard, < 0.85 Good, else Easy.
    Again is the fail band, Hard the partial band, Good and Easy the pass band
    (see :attr:`interviewprep.grading.result.GradeResult.band`).

    Attributes:
        hard: lowest score suggested as Hard.
        good: lowest score suggested as Good (the pass band starts here).
        easy: lowest score suggested as Easy.
    """

    hard: float = 0.4
    good: float = 0.65
    easy: float = 0.85

    def __post_init__(self) -> None:
        if not 0.0 < self.hard < self.good < self.easy <= 1.0:
            raise ValueError("bands must satisfy 0 < hard < good < easy <= 1")

    def rating(self, score: float) -> Rating:
        """The suggested rating for ``score``."""
        if score < self.hard:
            return Rating.AGAIN
        if score < self.good:
            return Rating.HARD
        if score < self.easy:
            return Rating.GOOD
        return Rating.EASY

    def band(self, score: float) -> ExpectedGrade:
        """The pass/partial/fail band for ``score``."""
        if score < self.hard:
            return ExpectedGrade.FAIL
        if score < self.good:
            return ExpectedGrade.PARTIAL
        return ExpectedGrade.PASS

    def cap_below_pass(self) -> float:
        """The highest score that still lands in the partial band."""
        return round(self.good - 0.01, 4)

    def cap_fail(self) -> float:
        """The highest score that still lands in the fail band."""
        return round(self.hard - 0.05, 4)


DEFAULT_BANDS = RatingBands()
