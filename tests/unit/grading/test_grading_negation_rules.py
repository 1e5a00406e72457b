"""Negation round (issue 4, second held-out set): swapped roles and list terms, each
checked in both directions on a small example."""

from __future__ import annotations

from interviewprep.bank.schema import OpenQuestion
from interviewprep.grading import KeyPointStatus, grade
from interviewprep.grading.lexical import common_stems, compared_sides, is_keyword_list, make_phrase


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
