"""Opposites round (issue 4, third held-out set): a key point stated with one word
replaced by its opposite, or with the two sides of "before"/"after" exchanged, is
contradicted; each rule is checked in both directions on a small example."""

from __future__ import annotations

import pytest

from interviewprep.bank.schema import OpenQuestion
from interviewprep.grading import KeyPointStatus, grade
from interviewprep.grading.lexical import compared_sides, stem
from tests.unit.grading.builders import open_question


def _question(model_answer: str = "A test answer.") -> OpenQuestion:
    return open_question(
        [
            {"id": "issuer", "text": "the server generates the session id and stores it"},
            {"id": "speed", "text": "reads get faster with an index"},
            {"id": "order", "text": "copy the lockfile before the source code"},
        ],
        prompt="How would you design it?",
        model_answer=model_answer,
    )


def _status(answer: str, point: str, question: OpenQuestion | None = None) -> KeyPointStatus:
    result = grade(question or _question(), answer)
    return next(k.status for k in result.key_points if k.id == point)


def test_a_role_word_replaced_by_its_opposite_contradicts_the_key_point() -> None:
    wrong = "The client generates the session id and stores it."
    result = grade(_question(), wrong)
    assert _status(wrong, "issuer") is KeyPointStatus.CONTRADICTED
    assert result.rating == 1  # forced to Again
    assert "contradicts" in result.feedback
    # the key point itself, in other words, is still covered
    assert _status("The server generates the session id and keeps it.", "issuer") is (
        KeyPointStatus.COVERED
    )


def test_a_key_point_also_stated_elsewhere_keeps_the_benefit_of_the_doubt() -> None:
    answer = "The client generates nothing; the server generates the session id and stores it."
    assert _status(answer, "issuer") is KeyPointStatus.COVERED


def test_a_comparative_replaced_by_its_opposite_contradicts_only_in_the_same_order() -> None:
    assert _status("Reads get slower with an index.", "speed") is KeyPointStatus.CONTRADICTED
    # the other argument of the comparison: "slower" is said of the scan, which agrees
    answer = "A table scan is slower than reads with an index."
    assert _status(answer, "speed") is not KeyPointStatus.CONTRADICTED


@pytest.mark.parametrize(
    "answer",
    [
        "Copy the source code before the lockfile.",  # the sides exchanged
        "Copy the lockfile after the source code.",  # the order word replaced
    ],
)
def test_a_reversed_order_contradicts_the_key_point(answer: str) -> None:
    assert _status(answer, "order") is KeyPointStatus.CONTRADICTED


@pytest.mark.parametrize(
    "answer",
    [
        "Copy the lockfile before the source code.",
        "Before the source code, copy the lockfile.",  # a fronted "before" keeps the order
    ],
)
def test_the_right_order_is_not_contradicted(answer: str) -> None:
    assert _status(answer, "order") is KeyPointStatus.COVERED


def test_an_opposite_the_rubric_states_itself_is_no_misconception() -> None:
    answer = "The client generates the session id and stores it."
    # the model answer says the same of the client: the rubric does not call it wrong
    question = _question("The client generates the session id and stores it in a cookie.")
    assert _status(answer, "issuer", question) is not KeyPointStatus.CONTRADICTED
    assert _status(answer, "issuer") is KeyPointStatus.CONTRADICTED


def test_the_opposite_word_must_be_written_not_only_a_word_of_its_family() -> None:
    question = open_question(
        [{"id": "redirect", "text": "after login the server redirects back with a code"}]
    )
    # "user" shares a synonym family with "client", but the user is not the client here
    answer = "After login the user is redirected back with a code."
    assert _status(answer, "redirect", question) is not KeyPointStatus.CONTRADICTED
    answer = "After login the client redirects back with a code."
    assert _status(answer, "redirect", question) is KeyPointStatus.CONTRADICTED


def test_a_two_word_name_against_a_one_word_name_is_a_comparison() -> None:
    image, container = compared_sides(
        "What is the difference between a Docker image and a container?"
    )[0]
    assert stem("image") in image
    assert stem("docker") not in image
    assert container == frozenset({stem("container")})
    # a head noun left out of the first side, or a list of three: not read as two sides
    assert compared_sides("Compare optimistic and pessimistic locking.") == ()
    assert compared_sides("Explain the difference between `include`, `extend` and `prepend`.") == ()


def test_swapped_image_and_container_fail() -> None:
    question = open_question(
        [
            {"id": "image", "text": "an image is a read-only template built from a Dockerfile"},
            {"id": "container", "text": "a container is a running instance of an image"},
        ],
        prompt="What is the difference between a Docker image and a container?",
    )
    swapped = (
        "The container is the read-only template built from a Dockerfile. The image is a "
        "running instance of it."
    )
    assert grade(question, swapped).rating == 1  # Again: a fail
    right = (
        "The image is the read-only template built from a Dockerfile. A container is a "
        "running instance of that image."
    )
    assert grade(question, right).rating >= 3  # Good or Easy: a pass


@pytest.mark.parametrize(
    ("word", "same_as"),
    [
        ("suite", "test"),
        ("suites", "tests"),
        ("acts", "behaves"),
        ("reorganising", "refactoring"),
        ("restructure", "refactor"),
        ("pretend", "fake"),
    ],
)
def test_new_thesaurus_words_share_a_stem(word: str, same_as: str) -> None:
    assert stem(word) == stem(same_as)


def test_a_test_suite_is_not_suitable() -> None:
    assert stem("suite") != stem("suitable")


def test_everyday_words_for_test_doubles_behaviour_and_refactoring_cover_key_points() -> None:
    question = open_question(
        [
            {"id": "drift", "text": "a fake behaves differently in production"},
            {"id": "brittle", "text": "refactoring breaks the tests"},
        ],
        prompt="What are the risks of mocking too much?",
    )
    answer = (
        "The pretend version acts differently in production, and reorganising the code "
        "breaks the suite."
    )
    result = grade(question, answer)
    assert [k.status for k in result.key_points] == [KeyPointStatus.COVERED] * 2
    assert result.band is not None
    assert result.band.value == "pass"
