"""Score to rating bands."""

from __future__ import annotations

import pytest

from interviewprep.bank.schema import ExpectedGrade
from interviewprep.domain.rating import Rating
from interviewprep.grading import GradeResult, RatingBands


@pytest.mark.parametrize(
    ("score", "rating"),
    [
        (0.0, Rating.AGAIN),
        (0.39, Rating.AGAIN),
        (0.4, Rating.HARD),
        (0.64, Rating.HARD),
        (0.65, Rating.GOOD),
        (0.84, Rating.GOOD),
        (0.85, Rating.EASY),
        (1.0, Rating.EASY),
    ],
)
def test_default_bands(score: float, rating: Rating) -> None:
    assert RatingBands().rating(score) is rating


def test_band_of_result_follows_rating() -> None:
    bands = RatingBands()
    for score, band in [
        (0.1, ExpectedGrade.FAIL),
        (0.5, ExpectedGrade.PARTIAL),
        (0.7, ExpectedGrade.PASS),
        (0.9, ExpectedGrade.PASS),
    ]:
        result = GradeResult(score=score, rating=bands.rating(score), feedback="", grader="t")
        assert result.band is band is bands.band(score)


def test_custom_bands() -> None:
    strict = RatingBands(hard=0.5, good=0.8, easy=0.95)
    assert strict.rating(0.7) is Rating.HARD


def test_bands_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="bands"):
        RatingBands(hard=0.7, good=0.6)
