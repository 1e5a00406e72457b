"""Fourth tuning round (issue 4): each rule is checked on a small example a user would
recognise, in both directions where it has two."""

from __future__ import annotations

import pytest

from interviewprep.grading.lexical import (
    AnalysedAnswer,
    is_keyword_list,
    make_phrase,
    prepare_text,
    split_clauses,
    stem,
)

NO_PROMPT: frozenset[str] = frozenset()


def _match(answer: str, phrase: str) -> tuple[float, bool, int]:
    match = AnalysedAnswer(answer).match_phrase(make_phrase(phrase, NO_PROMPT))
    return match.coverage, match.opposed, match.hits


@pytest.mark.parametrize(
    ("derived", "base"),
    [
        ("scalable", "scale"),
        ("scalability", "scaling"),
        ("writable", "write"),
        ("serializable", "serialize"),
        ("reproducible", "reproduce"),
        ("reusable", "reuse"),
        ("cacheable", "cache"),
        ("readable", "read"),
        ("predictable", "predict"),
        ("discoverable", "discover"),
    ],
)
def test_able_words_share_their_verbs_stem_with_or_without_a_silent_e(
    derived: str, base: str
) -> None:
    assert stem(derived) == stem(base)


def test_able_words_keep_unrelated_stems_apart() -> None:
    assert stem("scalable") != stem("scala")
    assert stem("probability") != stem("probe")  # "prob" + "e" is not restored


@pytest.mark.parametrize(
    ("word", "family"),
    [
        ("indices", "index"),
        ("queued", "queue"),
        ("queuing", "queue"),
        ("delivery", "deliver"),
        ("deliveries", "send"),
        ("discovery", "discover"),
        ("referenced", "reference"),
        ("fully", "full"),
        ("easily", "easy"),
        ("cheaply", "cheap"),
        ("automated", "automatic"),
        ("automation", "automatically"),
        ("denial", "deny"),
        ("leverage", "use"),
        ("occur", "happen"),
        ("config", "configuration"),
        ("repo", "repository"),
        ("rollout", "deploy"),
        ("blueprint", "template"),
        ("endlessly", "forever"),
        ("invariant", "constraint"),
        ("maintain", "manage"),
        ("allocate", "provision"),
        ("memoize", "cache"),
        ("filter", "remove"),
        ("drop", "discard"),
        ("shard", "partition"),
        ("suitable", "safe"),
        ("run", "start"),
        ("launch", "execute"),
    ],
)
def test_new_family_members_share_a_stem(word: str, family: str) -> None:
    assert stem(word) == stem(family)


def test_new_families_do_not_swallow_neighbours() -> None:
    assert stem("indicate") != stem("index")
    assert stem("product") != stem("deploy")
    assert stem("endpoint") != stem("url")  # "renaming endpoints" is not URL versioning
    assert stem("crash") != stem("error")


def test_a_rate_limit_written_as_two_words_is_throttling() -> None:
    coverage, opposed, _ = _match("we rate limit each API key", "throttle clients per key")
    assert coverage >= 0.6
    assert not opposed


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("when the deploy goes wrong", "fail"),
        ("the replica serves out-of-date rows", "stale"),
        ("the cache is up to date", "latest"),
        ("the replicas drift out of sync", "inconsistent"),
        ("the copies stay in sync", "consistent"),
        ("check the token prior to the write", "before"),
        ("the migration took place at night", "happen"),
        ("a message keeps failing", "repeatedly"),
        ("the worker keeps blowing up", "crash"),
        ("the mean hides slow requests", "average"),
    ],
)
def test_new_expressions_read_as_their_concept(text: str, concept: str) -> None:
    assert concept in prepare_text(text).split()


def test_keep_is_repeatedly_only_before_a_gerund() -> None:
    assert "repeatedly" not in prepare_text("it keeps things simple").split()


def test_the_verb_mean_is_not_the_average() -> None:
    assert "average" not in prepare_text("it means the write is lost").split()
    # the article stays, so a sentence does not shrink into a keyword list
    assert prepare_text("The mean hides slow outliers").split()[:2] == ["the", "average"]


class TestJudgedPractice:
    """A practice judged bad ("is dangerous") reads as a negated clause."""

    def test_a_bad_practice_agrees_with_an_answer_that_refuses_it(self) -> None:
        coverage, opposed, _ = _match(
            "Never store plaintext passwords.", "storing plaintext passwords is dangerous"
        )
        assert coverage >= 0.6
        assert not opposed
        coverage, opposed, _ = _match(
            "Never use a floating point number for money.",
            "floating-point numbers are unsuitable for money",
        )
        assert coverage >= 0.6
        assert not opposed

    def test_a_bad_practice_is_opposed_by_an_answer_that_approves_it(self) -> None:
        _, opposed, _ = _match(
            "Storing plaintext passwords is fine.", "storing plaintext passwords is dangerous"
        )
        assert opposed
        _, opposed, _ = _match(
            "Floats are a good choice for money.", "floats are a bad idea for money"
        )
        assert opposed

    def test_a_denied_judgement_is_an_approval(self) -> None:
        assert "safe" in prepare_text("caching it is not risky").split()
        assert "not" not in prepare_text("caching it is not risky").split()

    def test_an_adjective_before_its_noun_is_not_a_judgement(self) -> None:
        text = prepare_text("this is insecure direct object reference")
        assert "not" not in text.split()
        assert prepare_text("it is dangerous to retry").split()[:4] == ["it", "is", "not", "safe"]

    def test_the_judgement_negates_the_whole_clause(self) -> None:
        (clause,) = split_clauses("storing plaintext passwords is dangerous")
        assert clause.stems[-1] == stem("safe")
        assert all(clause.negates(p, range(len(clause.stems))) for p in range(3))


class TestWrittenTerms:
    """Capitalised keywords, HTTP status phrases and identifiers in keyword lists."""

    @pytest.mark.parametrize(
        "text",
        [
            "SELECT FOR UPDATE, SKIP LOCKED, LIMIT 1, transaction, status column",
            "ETag, If-None-Match, 304 Not Modified, cache validator, hash",
            "OFFSET, keyset pagination, cursor, index on created_at and id",
            "NOT NULL, UNIQUE, FOREIGN KEY, CHECK",
        ],
    )
    def test_a_list_with_such_terms_is_a_keyword_list(self, text: str) -> None:
        assert is_keyword_list(text)

    @pytest.mark.parametrize(
        "text",
        [
            "Use SELECT FOR UPDATE SKIP LOCKED so that workers never take the same job.",
            "Set proxy_http_version 1.1 and pass the upgrade headers.",
            "The server answers 304 Not Modified when the tag still matches.",
        ],
    )
    def test_claims_with_such_terms_are_not_keyword_lists(self, text: str) -> None:
        assert not is_keyword_list(text)


class TestSharedPurpose:
    """A purpose infinitive after "instead of X" is not set aside with X."""

    def test_the_purpose_counts_as_a_hit(self) -> None:
        answer = "Instead of reading every row to find a match, the engine walks the tree."
        _, opposed, hits = _match(answer, "find rows without scanning the whole table")
        assert not opposed
        assert hits >= 2

    def test_an_infinitive_complement_stays_set_aside(self) -> None:
        (clause, *_) = split_clauses("rather than waiting to retry, fail fast", answer=True)
        retry = clause.stems.index(stem("retry"))
        assert any(a <= retry < b for a, b in clause.aside)

    def test_a_preposition_to_stays_set_aside(self) -> None:
        (clause,) = split_clauses("instead of writing to disk keep it in memory", answer=True)
        disk = clause.stems.index(stem("disk"))
        assert any(a <= disk < b for a, b in clause.aside)


class TestComplement:
    """An antonym that differs together with another word is a claim about the
    complement, not a contradiction."""

    def test_a_claim_about_the_complement_does_not_oppose(self) -> None:
        _, opposed, _ = _match("The commits are not gone yet.", "uncommitted changes are lost")
        assert not opposed
        _, opposed, _ = _match("committed data is read", "uncommitted data is never read")
        assert not opposed

    def test_the_antonym_alone_still_opposes(self) -> None:
        _, opposed, _ = _match(
            "a dirty read reads already committed data", "a dirty read reads uncommitted data"
        )
        assert opposed
