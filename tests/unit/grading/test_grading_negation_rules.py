"""Negation round (issue 4, second held-out set): swapped roles and list terms, each
checked in both directions on a small example."""

from __future__ import annotations

from interviewprep.bank.schema import OpenQuestion
from interviewprep.grading import KeyPointStatus, grade
from interviewprep.grading.lexical import (
    AnalysedAnswer,
    common_stems,
    compared_sides,
    is_keyword_list,
    make_phrase,
    prepare_text,
)
from tests.unit.grading.builders import open_question


def _question() -> OpenQuestion:
    return OpenQuestion.model_validate(
        {
            "id": "t.negation",
            "type": "open",
            "prompt": "What are the differences between a proc and a lambda in Ruby?",
            "level": "mid",
            "topics": ["ruby"],
            "model_answer": "Both are Proc objects with different arity and return rules.",
            "explanation": "A test question.",
            "key_points": [
                {"id": "arity", "text": "a lambda checks its arity strictly", "weight": 1},
                {"id": "lenient", "text": "a proc fills missing arguments with nil", "weight": 1},
            ],
        }
    )


def test_a_prompt_comparing_two_things_gives_their_distinguishing_words() -> None:
    assert compared_sides("What is the difference between PUT and PATCH, and why?") == (
        (frozenset({"put"}), frozenset({"patch"})),
    )
    liveness, readiness = compared_sides(
        "What is the difference between a liveness check and a readiness check?"
    )[0]
    assert len(liveness) == len(readiness) == 1
    # a shared word before the names: only what follows it tells them apart
    one, majority = compared_sides(
        'What is the difference between write concern `w: 1` and `w: "majority"`?'
    )[0]
    assert one == frozenset({"1", "w1"})  # "w 1" is also written "w1"
    assert len(majority) == 2
    # no comparison, or sides of several words each: nothing
    assert compared_sides("How does a reverse proxy help an application server?") == ()
    assert compared_sides("Compare Kubernetes liveness and readiness probes.") == ()


def test_words_said_of_both_compared_things_are_common() -> None:
    sides = compared_sides("What is the difference between a liveness check and a readiness check?")
    phrases = [
        make_phrase("a failing liveness check restarts the container", frozenset()),
        make_phrase("a failing readiness check removes the pod from traffic", frozenset()),
    ]
    common = common_stems(phrases, sides)
    assert phrases[0].stems[0] in common  # "failing"
    assert phrases[0].stems[1] not in common  # "liveness"
    assert not any(s in common for s in make_phrase("restarts container", frozenset()).stems)


def test_a_claim_said_of_the_other_compared_thing_contradicts_the_key_point() -> None:
    swapped = grade(
        _question(),
        "A proc checks its arity strictly and raises an error, while a lambda fills "
        "missing arguments with nil.",
    )
    assert swapped.key_points is not None
    assert all(k.status is KeyPointStatus.CONTRADICTED for k in swapped.key_points)
    right = grade(
        _question(),
        "A lambda checks its arity strictly and raises an error, while a proc fills "
        "missing arguments with nil.",
    )
    assert right.key_points is not None
    assert all(k.status is KeyPointStatus.COVERED for k in right.key_points)
    # the subject named first in a sentence carries over to a clause without one
    carried = grade(_question(), "Unlike a proc, a lambda is strict: it checks its arity.")
    assert carried.key_points is not None
    assert carried.key_points[0].status is KeyPointStatus.COVERED


def test_not_null_is_a_term_in_a_keyword_list() -> None:
    assert is_keyword_list("primary key, foreign key, references, NOT NULL")
    assert not is_keyword_list("the column is not null")


def test_a_dismissed_remedy_is_denied() -> None:
    assert "is not" in prepare_text("Escaping the output doesn't really help.")
    assert "is not" in prepare_text("Provisioned concurrency has no effect on them.")
    # "it does not help" is an aside, not a denial of something named
    assert prepare_text("it does not help much") == "it does not help much"
    _, opposed, _ = _match("escaping the output does not help", "escape the output")
    assert opposed
    _, opposed, _ = _match("escaping the output helps a lot", "escape the output")
    assert not opposed


def _match(answer: str, phrase: str) -> tuple[float, bool, bool]:
    match = AnalysedAnswer(answer).match_phrase(make_phrase(phrase, frozenset()))
    return match.coverage, match.opposed, match.weak


def test_a_denied_main_clause_contradicts_a_long_key_point() -> None:
    question = open_question(
        [
            {
                "id": "put",
                "text": (
                    "PUT is idempotent because repeating the same request leaves the same state"
                ),
                "weight": 1,
            },
            {"id": "patch", "text": "PATCH sends only the changed fields", "weight": 1},
        ],
        prompt="Which of PUT and PATCH is idempotent?",
    )
    denied = grade(question, "PATCH sends only the changed fields, so PUT is not idempotent.")
    assert denied.key_points is not None
    assert denied.key_points[0].status is KeyPointStatus.CONTRADICTED
    # stated in another clause as well: the benefit of the doubt
    both = grade(
        question,
        "PUT is idempotent. PATCH sends only the changed fields; if PUT is not idempotent "
        "in your API, your API is wrong.",
    )
    assert both.key_points is not None
    assert both.key_points[0].status is not KeyPointStatus.CONTRADICTED


def test_several_partly_denied_key_points_are_contradicted() -> None:
    question = open_question(
        [
            {"id": "escape", "text": "escape or encode output for its context when rendering"},
            {"id": "csp", "text": "add a content security policy that blocks inline scripts"},
            {"id": "stored", "text": "the script is saved and served to other users"},
        ]
    )
    answer = (
        "The script is saved and served to other users. Escaping the output does not "
        "help. A content security policy does not help either."
    )
    result = grade(question, answer)
    assert result.key_points is not None
    statuses = [k.status for k in result.key_points]
    assert statuses.count(KeyPointStatus.CONTRADICTED) == 2
    # one partial denial alone is not enough
    single = grade(
        question,
        "The script is saved and served to other users. Escaping the output does not help.",
    )
    assert single.key_points is not None
    assert all(k.status is not KeyPointStatus.CONTRADICTED for k in single.key_points)


def test_a_negative_fragment_takes_back_a_word_of_the_clause_before() -> None:
    phrase = "middleware runs before the handler"
    coverage, opposed, _ = _match("middleware only runs after the handler, never before it", phrase)
    assert coverage == 1.0
    assert opposed
    _, opposed, _ = _match("middleware runs before the handler, and after it", phrase)
    assert not opposed


def test_a_bare_subject_borrows_a_verb_negation_split_from_it() -> None:
    _, opposed, _ = _match(
        "PATCH is idempotent; PUT, on the other hand, is not.", "PUT is idempotent"
    )
    assert opposed
    _, opposed, _ = _match(
        "PUT is idempotent; PATCH, on the other hand, is not.", "PUT is idempotent"
    )
    assert not opposed
    # a clause with its own verb keeps it: the negation takes up an earlier predicate
    _, opposed, _ = _match("PATCH modifies and might not be.", "PATCH modifies the resource")
    assert not opposed


def test_not_null_in_a_sentence_is_still_a_claim() -> None:
    assert not is_keyword_list("column is not null")
