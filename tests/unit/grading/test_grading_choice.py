"""Choice, multiple choice and true/false grading."""

from __future__ import annotations

import pytest

from interviewprep.bank.schema import ExpectedGrade, Question
from interviewprep.domain.rating import Rating
from interviewprep.grading import grade
from interviewprep.grading.choice import parse_selection, parse_true_false

OPTIONS = ["403 Forbidden", "401 Unauthorized", "404 Not Found", "400 Bad Request"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a", {0}),
        ("A)", {0}),
        ("(a)", {0}),
        ("1", {0}),
        ("b, d", {1, 3}),
        ("2 4", {1, 3}),
        ("b and d", {1, 3}),
        ("B) 401 Unauthorized", {1}),
        ("403 forbidden", {0}),
        ("unauthorized", {1}),
        ("404", {2}),
        ("401 Unauthorised", {1}),
    ],
)
def test_selection_formats_are_read(text: str, expected: set[int]) -> None:
    assert parse_selection(text, OPTIONS) == frozenset(expected)


@pytest.mark.parametrize("text", ["e", "9", "maybe the second one?", "405", ""])
def test_unreadable_selection_is_none(text: str) -> None:
    assert parse_selection(text, OPTIONS) is None


def test_single_choice_right_and_wrong(http: dict[str, Question]) -> None:
    question = http["http.status-unauthorized-vs-forbidden"]
    right = grade(question, "a")
    wrong = grade(question, "b")
    assert right.correct is True
    assert right.band is ExpectedGrade.PASS
    assert wrong.correct is False
    assert wrong.rating is Rating.AGAIN
    assert "401" in wrong.feedback  # says why the picked option is wrong


def test_single_choice_with_two_picks_is_wrong(http: dict[str, Question]) -> None:
    result = grade(http["http.status-unauthorized-vs-forbidden"], "a, b")
    assert result.correct is False
    assert "one option" in result.feedback


def test_unreadable_choice_is_not_graded(http: dict[str, Question]) -> None:
    result = grade(http["http.status-unauthorized-vs-forbidden"], "e")
    assert result.score is None
    assert result.rating is None
    assert "a-d" in result.feedback


def test_multiple_choice_b_d_scores_partial_credit(evalq: dict[str, Question]) -> None:
    question = evalq["ev.mc-idempotent-methods"]  # correct: a, c, d
    assert grade(question, "a, c, d").score == 1.0
    two_of_three = grade(question, "c, d")
    assert two_of_three.score is not None
    assert 0.4 < two_of_three.score < 0.65
    assert two_of_three.rating is Rating.HARD  # incomplete is never a pass
    assert grade(question, "b, d").score == 0.0  # one right, one wrong
    assert grade(question, "a b c d").band is not ExpectedGrade.PASS


def test_multiple_choice_by_option_text(evalq: dict[str, Question]) -> None:
    assert grade(evalq["ev.mc-idempotent-methods"], "GET, PUT, DELETE").correct is True


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("T", True),
        ("yes", True),
        ("y", True),
        ("1", True),
        ("false", False),
        ("f", False),
        ("No", False),
        ("n", False),
        ("0", False),
        ("2", False),  # option 2 of "1) True 2) False"
        ("b", False),
        ("a", True),
        ("It's false.", False),
        ("that's not true", False),
        ("False: HEAD has no body", False),
        ("I think it is true", True),
    ],
)
def test_true_false_variants(text: str, value: bool) -> None:
    assert parse_true_false(text) is value


def test_true_false_grading(http: dict[str, Question]) -> None:
    question = http["http.head-no-body"]  # the statement is false
    assert grade(question, "it's false").correct is True
    assert grade(question, "true").rating is Rating.AGAIN
    assert grade(question, "perhaps").score is None
