"""Short answers: aliases, numbers, typos."""

from __future__ import annotations

import pytest

from interviewprep.bank.schema import ExpectedGrade, Question
from interviewprep.domain.rating import Rating
from interviewprep.grading import grade


@pytest.mark.parametrize(
    "answer",
    [
        "404",
        "404.0",
        "HTTP 404",
        "404 Not Found",
        "404 not found.",
        "status 404",
        "  404  ",
        "HTTP/1.1 404",
        "٤٠٤",
        "`404`",
    ],
)
def test_404_is_accepted_in_its_usual_forms(http: dict[str, Question], answer: str) -> None:
    result = grade(http["http.not-found-code"], answer)
    assert result.correct is True
    assert result.band is ExpectedGrade.PASS


@pytest.mark.parametrize("answer", ["4040", "403", "40", "404 or 403", "410 Gone", "four"])
def test_wrong_codes_fail_and_get_no_typo_tolerance(http: dict[str, Question], answer: str) -> None:
    result = grade(http["http.not-found-code"], answer)
    assert result.correct is False
    assert result.rating is Rating.AGAIN


def test_typo_in_a_name_passes_as_hard(evalq: dict[str, Question]) -> None:
    result = grade(evalq["ev.sa-postgres"], "posgres")
    assert result.correct is True
    assert result.rating is Rating.HARD
    assert "spelling" in result.feedback


@pytest.mark.parametrize("answer", ["Postgres", "postgresql", "It's Postgres.", "POSTGRESQL!"])
def test_aliases_and_lead_ins(evalq: dict[str, Question], answer: str) -> None:
    result = grade(evalq["ev.sa-postgres"], answer)
    assert result.correct is True
    assert result.rating is Rating.EASY


def test_wrong_name_fails(evalq: dict[str, Question]) -> None:
    assert grade(evalq["ev.sa-postgres"], "MySQL").correct is False
    assert grade(evalq["ev.sa-postgres"], "mysql or postgres").correct is False


def test_typos_never_apply_to_codes(evalq: dict[str, Question]) -> None:
    assert grade(evalq["ev.sa-https-port"], "433").correct is False
    assert grade(evalq["ev.sa-kubernetes"], "k9s").correct is False


def test_short_alias_needs_exact_spelling(evalq: dict[str, Question]) -> None:
    assert grade(evalq["ev.sa-kubernetes"], "k8s").correct is True
    assert grade(evalq["ev.sa-kubernetes"], "kubernets").rating is Rating.HARD
