"""Round 7 (negation across clauses and roles): claims given to the wrong named thing
and keyword lists with a verb-like term; each rule is checked in both directions on a
small example."""

from __future__ import annotations

import pytest

from interviewprep.bank.schema import OpenQuestion
from interviewprep.grading import KeyPointStatus, grade
from interviewprep.grading.lexical import (
    AnalysedAnswer,
    is_keyword_list,
    make_phrase,
    named_subjects,
)
from tests.unit.grading.builders import open_question


def _cookie_question() -> OpenQuestion:
    # the prompt names neither attribute: the key points do
    return open_question(
        [
            {"id": "httponly", "text": "HttpOnly hides the cookie from page scripts"},
            {"id": "samesite", "text": "SameSite keeps the cookie off cross-site requests"},
            {"id": "lifetime", "text": "give the session a short lifetime"},
        ],
        prompt="Which cookie attributes matter for a session, and why?",
    )


def _statuses(question: OpenQuestion, answer: str) -> dict[str, KeyPointStatus]:
    return {k.id: k.status for k in grade(question, answer).key_points}


def test_key_points_that_open_with_a_name_pair_their_names() -> None:
    sides = named_subjects(
        [
            "HttpOnly hides the cookie from page scripts",
            "SameSite keeps the cookie off cross-site requests",
            "Secure sends it over HTTPS only",  # a capitalised common word, not a name
        ]
    )
    assert len(sides) == 1
    assert {s for side in sides[0] for s in side} >= {"httpon", "samesit"}


def test_a_name_and_its_acronym_are_one_thing() -> None:
    texts = ["OpenID Connect adds an identity layer", "OIDC issues an ID token"]
    assert named_subjects(texts) == ()


def test_one_named_key_point_pairs_nothing() -> None:
    assert named_subjects(["HttpOnly hides the cookie", "give it a short lifetime"]) == ()


def test_claims_exchanged_between_two_named_things_contradict_both() -> None:
    crossed = (
        "SameSite hides the cookie from page scripts, so injected code cannot read it. "
        "HttpOnly keeps the cookie off cross-site requests. Give the session a short "
        "lifetime."
    )
    statuses = _statuses(_cookie_question(), crossed)
    assert statuses["httponly"] is KeyPointStatus.CONTRADICTED
    assert statuses["samesite"] is KeyPointStatus.CONTRADICTED
    assert grade(_cookie_question(), crossed).rating == 1  # forced to Again


def test_the_same_claims_with_the_right_names_are_covered() -> None:
    right = (
        "HttpOnly hides the cookie from page scripts, so injected code cannot read it. "
        "SameSite keeps the cookie off cross-site requests. Give the session a short "
        "lifetime."
    )
    statuses = _statuses(_cookie_question(), right)
    assert statuses["httponly"] is KeyPointStatus.COVERED
    assert statuses["samesite"] is KeyPointStatus.COVERED


def test_a_pronoun_takes_the_name_its_sentence_opened_with() -> None:
    # "it" is SameSite here: the claim is given to the wrong attribute
    answer = "SameSite matters most: it hides the cookie from page scripts."
    assert _statuses(_cookie_question(), answer)["httponly"] is KeyPointStatus.MISSING
    # one claim given to the wrong name earns nothing but contradicts nothing either
    assert "contradicts" not in grade(_cookie_question(), answer).feedback


@pytest.mark.parametrize(
    "answer",
    [
        "blue-green, canary release, slow rollout log, feature flags, health checks",
        "Cache keys, TTL, lock wait time, eviction policy, hit ratio, warm-up.",
    ],
)
def test_a_run_of_terms_with_one_verb_like_term_is_a_keyword_list(answer: str) -> None:
    assert is_keyword_list(answer)


@pytest.mark.parametrize(
    "answer",
    [
        # two instructions, or an instruction with an article, are claims
        "slow query log, index scan, check the plan, locks, statistics",
        "slow query log, index scan, read plan output, check lock waits, statistics",
        # too short a run to tell a term from an instruction
        "slow query log, index scan, locks",
    ],
)
def test_instructions_in_a_short_list_are_still_claims(answer: str) -> None:
    assert not is_keyword_list(answer)


def _opposed(answer: str, phrase: str) -> bool:
    match = AnalysedAnswer(answer).match_phrase(make_phrase(phrase, frozenset()))
    assert match.coverage == 1.0
    return match.opposed


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("Fuzz testing adds nothing beyond it.", "fuzz testing"),
        ("Load tests add no value.", "load tests"),
        ("The query plan does not tell you anything.", "query plan"),
    ],
)
def test_a_dismissal_denies_what_it_dismisses(answer: str, phrase: str) -> None:
    assert _opposed(answer, phrase)


def test_a_dismissed_aside_leaves_its_subject_alone() -> None:
    # "it adds nothing" takes back nothing that the clause names
    assert not _opposed("Fuzz testing finds crashes; it adds nothing else.", "fuzz testing")
