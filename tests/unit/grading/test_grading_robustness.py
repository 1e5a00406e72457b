"""Bad input never raises: a grade or a clear could-not-grade result, quickly."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from interviewprep.bank.schema import ExpectedGrade, Question
from interviewprep.grading import MAX_ANSWER_CHARS, grade
from interviewprep.grading.prepare import prepare_answer

ALL_TYPES = [
    "http.idempotent-methods",
    "http.status-unauthorized-vs-forbidden",
    "http.put-vs-patch-multi",
    "http.head-no-body",
    "http.not-found-code",
    "http.tell-me-about-outage",
]


@pytest.mark.parametrize("question_id", ALL_TYPES)
@pytest.mark.parametrize(
    "answer",
    ["", "   \n\t  ", "\x00\x01\x02\x03\x04\x05", "😀🎉🔥", "—…!?", "\u200f\u202e", "\ufffd" * 50],
)
def test_empty_and_symbol_only_answers_are_not_graded(
    http: dict[str, Question], question_id: str, answer: str
) -> None:
    result = grade(http[question_id], answer)
    assert result.score is None
    assert result.rating is None
    assert result.band is None
    assert result.feedback
    assert result.details.get("status") == "ungradable"


def test_emoji_only_says_why(http: dict[str, Question]) -> None:
    result = grade(http["http.idempotent-methods"], "🤷‍♂️🤷‍♂️")
    assert result.score is None
    assert "emoji" in result.feedback


def test_binary_data_is_not_graded(http: dict[str, Question]) -> None:
    blob = bytes(range(256)).decode("latin-1") * 4
    result = grade(http["http.idempotent-methods"], blob)
    assert result.score is None
    assert "binary" in result.feedback


@pytest.mark.parametrize("question_id", ALL_TYPES)
def test_100_kb_answer_is_truncated_and_fast(http: dict[str, Question], question_id: str) -> None:
    answer = ("POST is not idempotent, but PUT and DELETE are. " * 2100)[:100_000]
    start = time.perf_counter()
    result = grade(http[question_id], answer)
    elapsed = time.perf_counter() - start
    assert result.truncated is True
    assert "4,000 characters" in result.feedback
    assert elapsed < 0.5


def test_truncation_keeps_the_start_of_the_answer() -> None:
    prepared = prepare_answer("word " * 5000)
    assert prepared.truncated
    assert len(prepared.text) <= MAX_ANSWER_CHARS


def test_right_to_left_answer_is_not_graded_offline(http: dict[str, Question]) -> None:
    result = grade(http["http.idempotent-methods"], "الطريقة المتكررة تعطي نفس النتيجة على الخادم")
    assert result.score is None
    assert "English" in result.feedback


def test_mixed_script_answer_is_graded(http: dict[str, Question]) -> None:
    answer = "POST не идемпотентен: POST is not idempotent, GET PUT DELETE are idempotent."
    result = grade(http["http.idempotent-methods"], answer)
    assert result.score is not None


def test_answer_in_a_code_block_is_read(http: dict[str, Question]) -> None:
    answer = "```text\nGET, PUT and DELETE are idempotent; POST is not idempotent.\n```"
    result = grade(http["http.idempotent-methods"], answer)
    assert result.score is not None
    assert result.score > 0.4


def test_short_answer_in_backticks(http: dict[str, Question]) -> None:
    assert grade(http["http.not-found-code"], "```\n404\n```").correct is True


def test_non_string_answer_does_not_raise(http: dict[str, Question]) -> None:
    result = grade(http["http.idempotent-methods"], None)  # type: ignore[arg-type]
    assert result.score is None


def test_internal_error_becomes_could_not_grade(
    http: dict[str, Question], monkeypatch: pytest.MonkeyPatch
) -> None:
    from interviewprep.grading.offline import DefaultGrader

    grader = DefaultGrader()

    def boom(*_: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(grader, "_dispatch", boom)
    result = grader.grade(http["http.idempotent-methods"], "anything")
    assert result.score is None
    assert "rate this answer yourself" in result.feedback


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=st.text(max_size=600))
def test_any_text_grades_without_raising(http: dict[str, Question], answer: str) -> None:
    for question_id in ALL_TYPES:
        result = grade(http[question_id], answer)
        assert result.score is None or 0.0 <= result.score <= 1.0
        assert (result.score is None) == (result.rating is None)
        assert result.band in {None, *ExpectedGrade}
        assert result.feedback
