"""Second paraphrase round (issue 4): each new rule matches a paraphrase, still lets a
negated paraphrase contradict, and leaves keyword lists capped."""

from __future__ import annotations

import pytest

from interviewprep.bank.schema import ExpectedGrade, OpenQuestion
from interviewprep.grading import KeyPointStatus, grade
from interviewprep.grading.lexical import AnalysedAnswer, is_keyword_list, make_phrase, stem
from interviewprep.grading.rubric import RubricSettings

NO_PROMPT: frozenset[str] = frozenset()


def _match(answer: str, phrase: str) -> tuple[float, bool, int]:
    match = AnalysedAnswer(answer).match_phrase(make_phrase(phrase, NO_PROMPT))
    return match.coverage, match.opposed, match.hits


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        # "is not there" / "does not exist" read as "missing", on both sides
        (
            "the database refuses an insert whose parent row is not there",
            "the database rejects a parent row that does not exist",
        ),
        # one-way
        ("a hash is one-directional: there is no way back", "hashing is one-way"),
        # pointing traffic back is a rollback
        ("if it misbehaves you flip traffic back", "rollback of traffic"),
        # check and verify are one concept
        ("nobody verifies the owner of the invoice", "the server does not check the invoice owner"),
        # families: expiry/TTL, folder/directory, supply/provide with collaborators
        ("entries are stored with an expiry time", "entries get a ttl"),
        (
            "the dot-dot segments climb out of the base folder",
            "dot-dot sequences escape the directory",
        ),
        ("the caller supplies the collaborators", "dependencies are provided by the caller"),
        # ordinal percentiles, and "rather than" agreeing with "instead of"
        (
            "chart the 95th and 99th percentiles rather than the average",
            "show p95 and p99 instead of the avg",
        ),
        # a full table scan said three ways
        ("the engine would otherwise read every row", "a full table scan"),
        ("it goes through the table row by row", "it scans the whole table"),
        # plural "rights" are permissions; a limited time is temporary
        ("rights are granted for a limited time", "permissions are temporary"),
        # British and American spellings share a stem
        ("the payload is serialised once", "the payload is serialized once"),
        # "-able" adjectives share their base word's stem
        ("responses say whether they may be cached", "responses are labelled as cacheable"),
        # all or nothing; no session state; used up
        ("transactions take effect together or not at all", "transactions are all or nothing"),
        ("the server keeps no session state between calls", "the server is stateless"),
        ("when the budget is used up releases freeze", "when the budget is exhausted, freeze"),
        # a finite verb ends the relative clause a negation sits in
        (
            "picking commits that depend on others you did not bring along breaks things",
            "it breaks if the commit depends on other commits",
        ),
    ],
)
def test_paraphrases_now_match(answer: str, phrase: str) -> None:
    coverage, opposed, _ = _match(answer, phrase)
    assert coverage >= 0.6
    assert not opposed


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        (
            "the database does not reject a parent row that does not exist",
            "the database rejects a parent row that does not exist",
        ),
        ("a hash is not one-way", "hashing is one-way"),
        ("the server verifies the invoice owner", "the server does not check the invoice owner"),
        ("entries never get an expiry", "entries get a ttl"),
        ("the caller does not supply the collaborators", "dependencies are provided by the caller"),
        ("a lookup never reads every row", "a lookup reads the whole table"),
        ("flags do not decouple deploying from releasing", "flags separate deploy from release"),
        ("responses are never cached", "responses are cacheable"),
        ("a commit that depends on others never breaks", "it breaks if it depends on others"),
        ("the server is not stateless", "the server keeps no session state"),
    ],
)
def test_negated_paraphrases_still_oppose(answer: str, phrase: str) -> None:
    coverage, opposed, _ = _match(answer, phrase)
    assert coverage >= 0.6
    assert opposed


def test_instead_of_counts_for_a_phrase_that_avoids_the_same_thing() -> None:
    # "instead of a full scan" sets the scan aside, which is what "avoids" claims:
    # those words count as evidence (partial credit needs two of them)
    _, opposed, hits = _match(
        "the engine walks the tree instead of a full table scan", "avoids a full table scan"
    )
    assert not opposed
    assert hits >= 1
    # a positive claim about the alternative set aside still earns nothing from it
    _, _, hits = _match("use a join instead of a subquery", "use a subquery")
    assert hits == 1  # "use" only


def test_stems_of_derived_and_british_forms() -> None:
    assert stem("authorisation") == stem("authorization")
    assert stem("normalise") == stem("normalize")
    assert stem("verify") == stem("check")
    assert stem("expiry") == stem("ttl")
    assert stem("cacheable") == stem("cached")
    assert stem("reversible") == stem("reverse")
    # short words ending in "-able" keep their own stem
    assert stem("table") != stem("t")
    assert stem("stable") != stem("st")
    # words that merely end in "-ise" are not rewritten into something else
    assert stem("promise") != stem("prom")
    assert stem("otherwise") == stem("otherwize")


def _question() -> OpenQuestion:
    return OpenQuestion.model_validate(
        {
            "id": "t.blue-green",
            "type": "open",
            "prompt": "How does a blue-green deployment work?",
            "level": "mid",
            "topics": ["deployment"],
            "model_answer": "Two identical environments; switch traffic; switch back to roll back.",
            "explanation": "A test question.",
            "key_points": [
                {
                    "id": "envs",
                    "text": "two identical environments, one live and one idle",
                    "phrasings": ["two production environments"],
                },
                {
                    "id": "switch",
                    "text": "traffic is switched at the load balancer after checks",
                    "phrasings": ["switch the load balancer"],
                },
                {
                    "id": "rollback",
                    "text": "rollback is switching traffic back to the old environment",
                    "phrasings": ["instant rollback"],
                },
                {
                    "id": "hash",
                    "text": "the release hash is verified before the switch",
                    "phrasings": ["check the release hash"],
                },
            ],
        }
    )


def test_a_paraphrase_with_the_new_vocabulary_passes() -> None:
    answer = (
        "You keep two identical environments, one active and one idle. After checks you flip "
        "traffic at the load balancer; if something misbehaves you point traffic back to the "
        "old environment. Someone confirms the release hash before flipping."
    )
    result = grade(_question(), answer)
    assert result.band is ExpectedGrade.PASS
    assert all(k.status is KeyPointStatus.COVERED for k in result.key_points)


def test_a_negated_paraphrase_with_the_new_vocabulary_fails() -> None:
    answer = (
        "You keep two identical environments, one active and one idle. After checks you flip "
        "traffic at the load balancer, but you can never point traffic back to the old "
        "environment, and nobody confirms the release hash before flipping."
    )
    result = grade(_question(), answer)
    assert result.band is ExpectedGrade.FAIL
    statuses = {k.id: k.status for k in result.key_points}
    assert statuses["rollback"] is KeyPointStatus.CONTRADICTED


@pytest.mark.parametrize(
    "answer",
    [
        "two environments, flip traffic, load balancer, point back, rollback, verify hash",
        "one-way, rollback, p99, expiry, toggles",
        "identical environments; traffic switch; roll back; confirmed release hash",
    ],
)
def test_keyword_lists_of_the_new_vocabulary_stay_capped(answer: str) -> None:
    assert is_keyword_list(answer)
    result = grade(_question(), answer)
    assert result.score is not None
    assert result.score <= RubricSettings().keyword_list_cap
    assert result.band is ExpectedGrade.FAIL
