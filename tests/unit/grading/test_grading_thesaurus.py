"""The thesaurus: multi-word expressions and synonym families read as concepts,
without letting negations or keyword lists through."""

from __future__ import annotations

import pytest

from interviewprep.grading.lexical import (
    AnalysedAnswer,
    is_keyword_list,
    make_phrase,
    split_clauses,
    stem,
)
from interviewprep.grading.thesaurus import SYNONYMS, rewrite_expressions

NO_PROMPT: frozenset[str] = frozenset()


def _match(answer: str, phrase: str) -> tuple[float, bool]:
    match = AnalysedAnswer(answer).match_phrase(make_phrase(phrase, NO_PROMPT))
    return match.coverage, match.opposed


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("two requests ran at the same time", "two requests ran concurrently"),
        ("the client sends it over and over", "the client sends it repeatedly"),
        ("the function hands back the cached value", "the function returns the cached value"),
        ("when the primary goes down, a replica takes over", "when the primary crashes"),
        ("conflicts almost never happen", "conflicts are rare"),
        ("the engine would otherwise read every row", "the engine would scan every row"),
        ("make each wait twice as long as the previous one", "exponentially longer delay"),
        ("readers and writers do not get in each other's way", "readers do not block writers"),
    ],
)
def test_multi_word_expressions_match_their_concept(answer: str, phrase: str) -> None:
    coverage, opposed = _match(answer, phrase)
    assert coverage >= 0.99
    assert not opposed


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("the function never hands back the cached value", "the function returns the cached value"),
        ("two requests did not run at the same time", "two requests ran concurrently"),
        ("the primary server does not go down", "the primary server crashes"),
    ],
)
def test_a_negated_paraphrase_is_still_contradicted(answer: str, phrase: str) -> None:
    coverage, opposed = _match(answer, phrase)
    assert coverage >= 0.6
    assert opposed


def test_expressions_with_their_own_negation_are_read_positively() -> None:
    assert rewrite_expressions("it almost never happens") == "it rarely happens"
    assert "without" not in rewrite_expressions("retry without delay")
    # answers keep the expression's words beside the concept, unless it negates
    assert rewrite_expressions("it hands back a row", keep=True) == "it hands back return a row"
    assert rewrite_expressions("it almost never happens", keep=True) == "it rarely happens"


def test_synonym_families_are_disjoint_and_general() -> None:
    words = [w for family in SYNONYMS for w in family]
    assert len(words) == len(set(words))
    assert stem("sluggish") == stem("slow")
    assert stem("clobbered") == stem("overwrite")
    # terms that would collide with engineering vocabulary stay themselves
    assert stem("identifier") != stem("detect")
    assert stem("dependency") != stem("rely")


def test_keyword_lists_of_paraphrased_terms_stay_lists() -> None:
    assert is_keyword_list("at the same time, over and over, goes down, hands back")
    assert is_keyword_list("concurrency, retries, outage, no-cache")


def test_with_no_negates_only_its_noun_phrase() -> None:
    # "customers with no orders get NULL columns" says nothing negative about the NULLs
    coverage, opposed = _match(
        "for customers with no orders the order columns come back as null",
        "the order columns are null",
    )
    assert coverage >= 0.99
    assert not opposed
    _, opposed = _match(
        "everyone merges daily, with no long-lived feature branches",
        "long-lived feature branches",
    )
    assert opposed


def test_instead_of_sets_an_alternative_aside_without_denying_it() -> None:
    _, opposed = _match(
        "reuse connections instead of paying the connection cost per request",
        "opening a connection is costly",
    )
    assert not opposed


def test_do_not_just_denies() -> None:
    _, opposed = _match("quarantine it; do not just add retries", "add retries")
    assert opposed


def test_a_remedy_does_not_deny_the_flaw_it_fixes() -> None:
    _, opposed = _match(
        "the server must check that the invoice belongs to the user",
        "the server does not check that the invoice belongs to the user",
    )
    assert not opposed
    # a described (not prescribed) check still denies it
    _, opposed = _match(
        "the server checks that the invoice belongs to the user",
        "the server does not check that the invoice belongs to the user",
    )
    assert opposed


def test_negative_looking_names_are_terms() -> None:
    stems = [s for c in split_clauses("send If-None-Match with no-cache") for s in c.stems]
    assert "ifnonematch" in stems
    assert "nocach" in stems or "nocache" in stems
    assert all(not c.cues for c in split_clauses("send If-None-Match with no-cache"))
