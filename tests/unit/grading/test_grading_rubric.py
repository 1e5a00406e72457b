"""Open and behavioural answers: key points, negation, misconceptions, keyword lists."""

from __future__ import annotations

import pytest

from interviewprep.bank.schema import ExpectedGrade, Question
from interviewprep.domain.rating import Rating
from interviewprep.grading import KeyPointStatus, grade

IDEMPOTENT = "http.idempotent-methods"


def _status(result_points: object, point_id: str) -> KeyPointStatus:
    for point in result_points:  # type: ignore[attr-defined]
        if point.id == point_id:
            return point.status  # type: ignore[no-any-return]
    raise AssertionError(point_id)


def test_model_answer_passes(http: dict[str, Question]) -> None:
    question = http[IDEMPOTENT]
    result = grade(question, question.model_answer)
    assert result.band is ExpectedGrade.PASS
    assert result.rating in {Rating.GOOD, Rating.EASY}
    assert result.grader == "offline"
    assert result.elapsed_ms >= 0


def test_post_is_idempotent_fails(http: dict[str, Question]) -> None:
    result = grade(http[IDEMPOTENT], "POST is idempotent")
    assert result.rating is Rating.AGAIN
    assert "POST is idempotent" in result.misconceptions
    assert "misconception" in result.feedback


def test_stated_misconception_fails_an_otherwise_good_answer(http: dict[str, Question]) -> None:
    answer = (
        "Sending the same request many times leaves the server in the same state as sending "
        "it once, so clients can retry safely. GET, PUT, DELETE and POST are idempotent."
    )
    result = grade(http[IDEMPOTENT], answer)
    assert result.band is ExpectedGrade.FAIL


@pytest.mark.parametrize(
    "answer",
    [
        "GET and DELETE are idempotent, PUT is not idempotent.",
        "GET and DELETE are idempotent but PUT isn't.",
        "GET and DELETE are idempotent; PUT is never idempotent.",
        "GET and DELETE are idempotent. PUT is no longer idempotent.",
        "GET and DELETE are idempotent. PUT doesn't behave idempotently.",
    ],
)
def test_clause_negation_contradicts(http: dict[str, Question], answer: str) -> None:
    result = grade(http[IDEMPOTENT], answer)
    assert _status(result.key_points, "which-methods") is KeyPointStatus.CONTRADICTED
    assert result.rating is Rating.AGAIN


def test_negation_elsewhere_does_not_contradict(http: dict[str, Question]) -> None:
    answer = (
        "GET, PUT and DELETE are idempotent; POST is not. Repeating the same request has the "
        "same effect on the server as sending it once, so it is safe to retry."
    )
    result = grade(http[IDEMPOTENT], answer)
    assert all(k.status is KeyPointStatus.COVERED for k in result.key_points)
    assert result.rating is Rating.EASY
    assert not result.misconceptions


def test_keyword_list_fails(http: dict[str, Question]) -> None:
    result = grade(http[IDEMPOTENT], "idempotent, GET, PUT, DELETE, retries, same state")
    assert result.band is ExpectedGrade.FAIL
    assert result.details.get("keyword_list") == "yes"
    assert "list of terms" in result.feedback


def test_bullet_keyword_list_fails(evalq: dict[str, Question]) -> None:
    answer = "- B-tree\n- full table scan\n- write overhead\n- disk space"
    assert grade(evalq["ev.db-index"], answer).band is ExpectedGrade.FAIL


def test_paraphrase_without_rubric_words_passes(evalq: dict[str, Question]) -> None:
    answer = (
        "A process gets an isolated address space from the OS, so one program can't scribble "
        "over another's data. Threads live inside one process and all see the same heap and "
        "globals, which makes them lighter to start and switch between, but you need mutexes "
        "when they touch the same data or you get races."
    )
    assert grade(evalq["ev.process-vs-thread"], answer).band is ExpectedGrade.PASS


def test_partial_answer_is_partial(http: dict[str, Question]) -> None:
    result = grade(http[IDEMPOTENT], "GET and PUT are idempotent.")
    assert result.band is ExpectedGrade.PARTIAL
    assert "Missing" in result.feedback


def test_off_topic_fails(http: dict[str, Question]) -> None:
    result = grade(http[IDEMPOTENT], "I like to use Docker containers for local development.")
    assert result.band is ExpectedGrade.FAIL
    assert all(k.status is KeyPointStatus.MISSING for k in result.key_points)


def test_words_that_only_repeat_the_prompt_earn_little(http: dict[str, Question]) -> None:
    question = http[IDEMPOTENT]
    result = grade(question, question.prompt)
    assert result.band is not ExpectedGrade.PASS


def test_behavioural_star_feedback(http: dict[str, Question]) -> None:
    question = http["http.tell-me-about-outage"]
    result = grade(question, "I checked the logs and rolled back the deploy.")
    assert result.band is not ExpectedGrade.PASS
    assert "result" in result.feedback


def test_key_point_evidence_is_reported(http: dict[str, Question]) -> None:
    result = grade(http[IDEMPOTENT], "POST is not idempotent because it creates duplicates.")
    point = next(k for k in result.key_points if k.id == "post-not")
    assert point.status is KeyPointStatus.COVERED
    assert "post" in point.evidence
    assert point.coverage > 0.5
