"""Clause splitting, negation and keyword-list detection."""

from __future__ import annotations

import pytest

from interviewprep.grading.lexical import AnalysedAnswer, is_keyword_list, make_phrase

NO_PROMPT: frozenset[str] = frozenset()


def _opposed(answer: str, phrase: str) -> bool:
    match = AnalysedAnswer(answer).match_phrase(make_phrase(phrase, NO_PROMPT))
    assert match.coverage >= 0.99, match
    return match.opposed


@pytest.mark.parametrize(
    "answer",
    [
        "POST is not idempotent",
        "POST isn't idempotent",
        "POST is never idempotent",
        "POST is no longer idempotent",
        "POST is non-idempotent",
        "GET and PUT are idempotent; POST is not.",
        "Idempotent: GET and PUT, not POST",
    ],
)
def test_negations_oppose_a_positive_claim(answer: str) -> None:
    assert _opposed(answer, "POST is idempotent")


@pytest.mark.parametrize(
    "answer",
    [
        "POST is idempotent",
        "PUT is not safe, but POST is idempotent",
        "No matter how often you send it, POST is idempotent",
    ],
)
def test_unrelated_or_idiomatic_negation_does_not_oppose(answer: str) -> None:
    assert not _opposed(answer, "POST is idempotent")


def test_contrastive_not_is_local() -> None:
    assert not _opposed("check results, not interactions", "check results not interactions")


def test_conditional_no_is_not_a_negative_claim() -> None:
    assert not _opposed(
        "if no new writes happen, all replicas converge to the same value",
        "if no new writes happen all replicas converge to the same value",
    )


def test_fuzzy_stems_match_typos() -> None:
    match = AnalysedAnswer("POST is not idempotant").match_phrase(
        make_phrase("POST is not idempotent", NO_PROMPT)
    )
    assert match.coverage == 1.0
    assert not match.opposed


@pytest.mark.parametrize(
    "text",
    [
        "idempotent, GET, PUT, DELETE, retries",
        "B-tree; lookup speed; write overhead",
        "- version column\n- select for update\n- retries",
        "cache miss TTL invalidation",
    ],
)
def test_keyword_lists(text: str) -> None:
    assert is_keyword_list(text)


@pytest.mark.parametrize(
    "text",
    [
        "POST creates duplicates, PUT replaces",
        "Use git reflog to find them.",
        "The full stack trace and a correlation id.",
        "It is idempotent.",
        "makes it faster",
        "GET, PUT and DELETE are idempotent",
    ],
)
def test_claims_are_not_keyword_lists(text: str) -> None:
    assert not is_keyword_list(text)
