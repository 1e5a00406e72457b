"""Third tuning round (issue 4): each rule is checked on a small example a user would
recognise, in both directions where it has two."""

from __future__ import annotations

import pytest

from interviewprep.bank.schema import ExpectedGrade, OpenQuestion
from interviewprep.grading import KeyPointStatus, grade
from interviewprep.grading.lexical import (
    AnalysedAnswer,
    is_keyword_list,
    make_phrase,
    split_clauses,
    stem,
)
from tests.unit.grading.builders import open_question

NO_PROMPT: frozenset[str] = frozenset()


def _match(answer: str, phrase: str) -> tuple[float, bool, bool]:
    match = AnalysedAnswer(answer).match_phrase(make_phrase(phrase, NO_PROMPT))
    return match.coverage, match.opposed, match.weak


def test_overstemmed_derived_words_keep_their_own_meaning() -> None:
    # Snowball would stem "personalised" to "person" (a user) and "responsive" to
    # "respons" (a response)
    assert stem("personalised") == stem("personalized") == stem("personal")
    assert stem("personalised") != stem("user")
    assert stem("responsive") != stem("response")
    assert stem("responsive") == stem("available")
    assert stem("responses") == stem("response")


def test_a_positive_answer_opposes_a_negative_phrase_only_with_its_whole_predicate() -> None:
    # "cache pages" without "personalised" neither supports nor refutes the phrase
    coverage, opposed, weak = _match(
        "serve a full page cache to anonymous users", "do not cache personalised pages"
    )
    assert coverage > 0.6
    assert weak
    # the whole negated predicate is there: a real contradiction
    _, opposed, weak = _match(
        "we cache personalised pages as well", "do not cache personalised pages"
    )
    assert opposed
    assert not weak
    # the negated head "needed" is missing
    _, _, weak = _match("I added automatic retries to them", "nobody needed to re-run builds")
    assert weak


def test_a_weak_opposition_is_neither_covered_nor_contradicted() -> None:
    question = open_question(
        [
            {"id": "find", "text": "tracked which tests failed most often", "weight": 2},
            {"id": "result", "text": "nobody needed to re-run builds", "weight": 2},
        ]
    )
    result = grade(question, "I tracked which tests failed most often and added automatic retries.")
    statuses = {k.id: k.status for k in result.key_points}
    assert statuses == {"find": KeyPointStatus.COVERED, "result": KeyPointStatus.MISSING}
    assert result.band is ExpectedGrade.PARTIAL
    # stating the negated predicate positively still contradicts
    denied = grade(
        question, "I tracked which tests failed most often; people still needed to re-run builds."
    )
    assert {k.id: k.status for k in denied.key_points}["result"] is KeyPointStatus.CONTRADICTED


def test_glued_brackets_are_code_not_clause_breaks() -> None:
    clauses = split_clauses("get the list with @{ $ref } and print it")
    assert {stem("list"), stem("ref")} <= set(clauses[0].stems)
    # a spaced bracket is still an aside
    assert len(split_clauses("the list (a copy) is returned")) == 3


def test_a_clause_that_only_names_a_covered_point_earns_no_partial_credit_elsewhere() -> None:
    question = open_question(
        [
            {"id": "name", "text": "it is path traversal", "weight": 3},
            {
                "id": "check",
                "text": "ensure the resolved path is under the base directory",
                "weight": 3,
            },
            {"id": "other", "text": "use an id lookup instead of names", "weight": 2},
        ],
        prompt="An endpoint opens a file named by the user. What can go wrong?",
    )
    result = grade(question, "It is path traversal: someone can read files outside the directory.")
    check = {k.id: k for k in result.key_points}["check"]
    assert check.status is KeyPointStatus.MISSING
    assert result.details["raw_coverage"] == "0.375"  # 3 of 8: nothing for "check"


def test_antonyms_read_as_a_negated_word() -> None:
    # "already committed" opposes "uncommitted"; "uncommitted" agrees with "not committed"
    _, opposed, _ = _match(
        "a dirty read is reading data that was already committed", "reading uncommitted data"
    )
    assert opposed
    coverage, opposed, _ = _match(
        "you read data that was never committed", "reading uncommitted data"
    )
    assert coverage == 1.0
    assert not opposed
    # "synchronous" is "not asynchronous", so it opposes "in the background"
    _, opposed, _ = _match("the email is sent synchronously", "the email is sent in the background")
    assert opposed
    _, opposed, _ = _match(
        "the email is sent asynchronously", "the email is sent in the background"
    )
    assert not opposed
    # anonymous visitors are not logged-in ones
    _, opposed, _ = _match(
        "serve the cached page to anonymous visitors", "serve the cached page to logged-in visitors"
    )
    assert opposed
    assert stem("synchronous") != stem("synchronise")


def test_not_yet_keeps_its_negation_in_the_clause() -> None:
    clause = split_clauses("data another transaction has written but not yet committed")[-1]
    assert clause.stems == (stem("committed"),)
    assert clause.cues


def test_participles_and_compounds_in_term_lists() -> None:
    assert is_keyword_list("lost update; SELECT FOR UPDATE; version column; atomic update; retry")
    assert is_keyword_list("inner join, left join, matching rows, NULL, duplicates")
    assert is_keyword_list("least privilege, read-only user, IAM role")
    # a participle after its subject, or alone, is still a claim
    assert not is_keyword_list("POST created duplicates")
    assert not is_keyword_list("read the logs")


def test_a_negative_phrase_agrees_with_an_answer_that_negates_its_head() -> None:
    # "tables" is positive in another clause; the negated verb "drop" decides
    _, opposed, _ = _match(
        "the app login may write its own tables but cannot drop them or create users",
        "the app database user cannot drop tables",
    )
    assert not opposed
    _, opposed, _ = _match("the app login can drop tables", "the app user cannot drop tables")
    assert opposed


def test_an_adjectival_soft_negation_covers_its_noun_phrase_only() -> None:
    answer = "broken authorisation lets any user read the invoice"
    # the claim after the noun phrase stays positive, so it opposes a denial
    _, opposed, _ = _match(answer, "no user can read the invoice")
    assert opposed
    # and "broken authorisation" still agrees with "never authorises"
    _, opposed, _ = _match(answer, "the server never authorises the request")
    assert not opposed


def test_a_negation_reaches_a_gerund_while_clause() -> None:
    _, opposed, _ = _match(
        "the worker does not block while reading the whole file from disk",
        "the worker blocks while reading the whole file from disk",
    )
    assert opposed
    # a contrastive "while" still separates two claims
    assert len(split_clauses("DELETE logs each row while TRUNCATE does not")) == 2


def test_expressions_with_a_suffixed_stem_are_applied() -> None:
    # "pass(?:es|ed|ing)? in" used to be skipped: its pre-check looked for the
    # words "es", "ed" or "ing"
    assert stem("provide") in split_clauses("dependencies are passed in from outside")[0].stems
    assert stem("use") in split_clauses("you reach for multiprocessing")[0].stems


def test_a_negative_subject_negates_its_predicate_after_an_aside() -> None:
    answer = "Nobody on the wire, like the coffee-shop wifi, can read what you send."
    _, opposed, _ = _match(answer, "an eavesdropper can read what you send")
    assert opposed
    _, opposed, _ = _match(answer, "an eavesdropper cannot read what you send")
    assert not opposed


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        ("in a test you hand it a fake repository", "inject a mock in tests"),
        ("a customer with three orders shows up three times", "the customer appears three times"),
        ("lookups by key take constant time", "fast lookups by key"),
        (
            "for number crunching jobs, reach for multiprocessing",
            "use multiple processes for cpu bound jobs",
        ),
        (
            "threads still pay off for programs that wait on sockets",
            "threads benefit programs that wait",
        ),
        ("you point the load balancer at the new copy", "switch traffic to the new copy"),
        ("adding threads buys you nothing", "adding threads has no benefit"),
    ],
)
def test_new_thesaurus_entries_match(answer: str, phrase: str) -> None:
    coverage, opposed, _ = _match(answer, phrase)
    assert coverage == 1.0
    assert not opposed


def _indexed_question() -> OpenQuestion:
    question = open_question(
        [
            {"id": "reads", "text": "an index makes lookups fast", "weight": 2},
            {"id": "writes", "text": "writes get slower because the index is maintained"},
        ],
        prompt="What does a database index do?",
    )
    model = (
        "An index makes lookups fast by walking a sorted tree to the matching rows. "
        "Writes get slower because the index is maintained."
    )
    return question.model_copy(update={"model_answer": model})


def test_the_model_answer_supports_a_key_point_in_its_own_words() -> None:
    answer = (
        "It walks a sorted tree to the matching rows. Writes get slower since it is maintained."
    )
    with_model = grade(_indexed_question(), answer)
    assert {k.id: k.status for k in with_model.key_points}["reads"] is KeyPointStatus.COVERED
    assert with_model.band is ExpectedGrade.PASS
    # without the model answer's wording the same answer misses the key point
    bare = _indexed_question().model_copy(update={"model_answer": "An index."})
    without = grade(bare, answer)
    assert {k.id: k.status for k in without.key_points}["reads"] is KeyPointStatus.MISSING


def test_a_support_wording_never_outweighs_a_contradiction() -> None:
    answer = (
        "An index does not make lookups fast; it walks a sorted tree to the matching rows. "
        "Writes get slower since it is maintained."
    )
    result = grade(_indexed_question(), answer)
    assert {k.id: k.status for k in result.key_points}["reads"] is KeyPointStatus.CONTRADICTED
    assert result.band is ExpectedGrade.FAIL
