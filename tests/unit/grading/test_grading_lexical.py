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


def _match(answer: str, phrase: str) -> tuple[float, bool]:
    match = AnalysedAnswer(answer).match_phrase(make_phrase(phrase, NO_PROMPT))
    return match.coverage, match.opposed


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        # a negation inside a relative clause does not negate the main clause
        ("customers who never ordered are dropped", "customers are dropped"),
        ("you read a value that never officially existed", "the data read never existed"),
        # "has not committed" agrees with "has not committed yet", whatever the subject
        (
            "a transaction changed a row but has not committed yet",
            "reading changes another transaction has not committed yet",
        ),
        # "avoid X" agrees with "do not X"
        ("avoid retrying a 400 error", "do not retry a 400 error"),
        ("never retry a 400 error", "avoid retrying a 400 error"),
        # a prepositional "without" negates only its object
        ("with an inner join customers without orders are dropped", "customers are dropped"),
    ],
)
def test_narrow_negation_scope_does_not_oppose(answer: str, phrase: str) -> None:
    coverage, opposed = _match(answer, phrase)
    assert coverage >= 0.6
    assert not opposed


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("lock order does not matter at all", "always take locks in the same order"),
        ("an index costs nothing on writes", "an index makes writes slower"),
        ("POST is idempotent", "POST is not idempotent"),
        ("GET and DELETE are idempotent, PUT is not", "GET, PUT and DELETE are idempotent"),
    ],
)
def test_real_negations_still_oppose(answer: str, phrase: str) -> None:
    _, opposed = _match(answer, phrase)
    assert opposed


def test_all_or_nothing_is_not_a_negation() -> None:
    _, opposed = _match(
        "the whole transaction succeeds or none of it does",
        "either every change is applied or none is",
    )
    assert not opposed


def test_io_is_a_term_not_a_pronoun() -> None:
    assert is_keyword_list("event loop, coroutines, await, non-blocking I/O")
    assert not is_keyword_list("I think the event loop runs coroutines")


def test_general_synonym_families_match_paraphrases() -> None:
    coverage, opposed = _match(
        "the engine jumps to the record rather than reading the entire table",
        "find the row without scanning the whole table",
    )
    assert coverage >= 0.5
    assert not opposed


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        # a double negation states the positive claim
        (
            "the data can not be modified in transit without the other side detecting it",
            "modified data in transit is detected by the other side",
        ),
        # a hedge is not a denial
        (
            "a read right after a write does not always return the new value",
            "a read right after a write may return an old value",
        ),
        # a negation inside a quotation is a mention, not the answer's claim
        (
            'constraints like "balance can not go negative" hold after every transaction',
            "constraints hold after every transaction",
        ),
        # "ignores" agrees with "does not care about"
        ("curl does not care about CORS", "curl ignores CORS"),
    ],
)
def test_idioms_and_double_negation_do_not_oppose(answer: str, phrase: str) -> None:
    _, opposed = _match(answer, phrase)
    assert not opposed


def test_each_other_is_a_pronoun() -> None:
    coverage, _ = _match(
        "two transfers do not see each other's half-finished changes",
        "every change is applied",
    )
    assert coverage < 0.5
