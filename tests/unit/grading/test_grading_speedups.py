"""The grader's shortcuts give the results of the long way round.

``bench/grading_equivalence.py`` compares whole results over a large corpus; these
tests pin the shortcuts one by one: the literal prefilter of the thesaurus never
skips an expression that occurs, weights summed from counts equal the sums in bit
order, and stopping at a wording that covers a key point changes no outcome.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from interviewprep.bank.loader import builtin_pack_dir, load_bank
from interviewprep.bank.schema import Behavioural, OpenQuestion
from interviewprep.grading.evaluation import load_eval_set
from interviewprep.grading.lexical import AnalysedAnswer, Match, Phrase, prepare_text
from interviewprep.grading.rubric import _CACHE, RubricSettings, _matches, judge_point
from interviewprep.grading.thesaurus import (
    _EXPRESSION_TABLE,
    _PLAN,
    _literals,
    _may_occur,
    has_expressions,
    rewrite_expressions,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Lower-cased answers and rubric wordings of the shipped packs and the eval set."""
    found: list[str] = []
    bank = load_bank([builtin_pack_dir()])
    for question in bank:
        found.append(question.model_answer)
        if isinstance(question, OpenQuestion | Behavioural):
            found.extend(k.text for k in question.key_points)
            found.extend(p for k in question.key_points for p in k.phrasings)
    found.extend(item.answer for item in load_eval_set(ROOT / "eval" / "grading").items)
    return [t.replace("’", "'").lower() for t in found]


def test_literal_prefilter_never_skips_an_expression_that_occurs(texts: list[str]) -> None:
    hits = 0
    for (_, pattern, _, literals), (source, _) in zip(_PLAN, _EXPRESSION_TABLE, strict=True):
        for text in texts:
            if pattern.search(text) is not None:
                hits += 1
                assert _may_occur(literals, text), (source, text)
    assert hits > 100  # the corpus exercises the table


@pytest.mark.parametrize(
    ("pattern", "matching", "other"),
    [
        (r"\b(?:hand|give)(?:s|ed)? (?:it )?back\b", "she hands it back", "she hands over"),
        (r"over and over(?: again)?|again and again", "again and again", "over and out"),
        (r"\bre-(?:run|apply)\b", "we re-run it", "we rerun it"),
        (r"\b(?:50|99)th\b", "the 99th percentile", "the 98th percentile"),
        (r"[- ]?cache", "no-cache", "cash"),
    ],
)
def test_literals_hold_for_a_match_and_reject_text_without_them(
    pattern: str, matching: str, other: str
) -> None:
    literals = _literals(pattern)
    assert literals
    assert re.search(pattern, matching) is not None
    assert _may_occur(literals, matching)
    assert re.search(pattern, other) is None
    assert not _may_occur(literals, other)


def test_a_pattern_the_prefilter_cannot_read_requires_nothing() -> None:
    assert _literals(r"(?i)hand back") == ()
    assert _literals(r"\w+") == ()
    assert _literals(r"(?:hand|\w+) back") == ((" back",),)


def test_rewriting_starts_at_the_first_expression_and_rewrites_the_rest() -> None:
    text = "it almost never happens, and the server hands back the row"
    assert has_expressions(text)
    assert rewrite_expressions(text) == "it rarely happens, and the server return the row"
    assert prepare_text("Nothing special here") == "nothing special here"


@pytest.mark.parametrize(
    "weights",
    [
        (1.0, 0.5, 1.0, 0.5, 0.5, 1.0, 1.0),  # prompt words weigh half: counted
        (0.1, 0.2, 0.7, 0.3, 1.0, 0.4, 0.6),  # any other weights: summed in bit order
    ],
)
def test_weights_of_masks_equal_their_sum_in_bit_order(weights: tuple[float, ...]) -> None:
    stems = tuple(f"s{i}" for i in range(len(weights)))
    phrase = Phrase("p", stems, weights, (True,) * len(stems), False)
    for mask in range(1 << len(weights)):
        expected = sum(w for bit, w in enumerate(weights) if mask >> bit & 1)
        got = AnalysedAnswer._weight(phrase, mask)
        assert got == expected, mask
        assert type(got) is type(expected), mask


def _open_questions() -> list[OpenQuestion]:
    return [q for q in load_bank([builtin_pack_dir()]) if isinstance(q, OpenQuestion)][:60]


def _read(analysed: AnalysedAnswer, _point: object, phrase: Phrase) -> Match:
    return analysed.match_phrase(phrase, tight=False)


def test_stopping_at_a_covering_wording_changes_no_outcome() -> None:
    settings = RubricSettings()
    stopped = skipped = 0
    for question in _open_questions():
        rubric = _CACHE.get(question)
        for answer in (question.model_answer, *(s.answer for s in question.samples)):
            analysed = AnalysedAnswer(answer, rubric.fuzzy)
            for point in rubric.points:
                wordings = (*point.phrases, *point.support)
                every = [(p, analysed.match_phrase(p)) for p in wordings]
                expected = judge_point(every, settings, len(point.phrases))
                read = functools.partial(_read, analysed)
                some, own = _matches(point, read)
                stopped += len(some) < len(every)
                assert own == min(len(some), len(point.phrases))
                assert judge_point(some, settings, own) == expected
                fewer, own = _matches(point, read, analysed.reach, settings.cover)
                skipped += len(fewer) < len(some)
                assert fewer[0][0] is point.phrases[0]
                assert judge_point(fewer, settings, own) == expected
    assert stopped > 10  # the shortcut is taken
    assert skipped > 10  # and so is the one that skips wordings that cannot cover more


def test_reach_bounds_the_coverage_of_every_match() -> None:
    bounded = 0
    for question in _open_questions():
        rubric = _CACHE.get(question)
        for answer in (question.model_answer, *(s.answer for s in question.samples)):
            analysed = AnalysedAnswer(answer, rubric.fuzzy)
            plain = AnalysedAnswer(answer)
            for point in rubric.points:
                for phrase in (*point.phrases, *point.support, *point.claims):
                    reach = analysed.reach(phrase)
                    for tight in (False, True):
                        match = analysed.match_phrase(phrase, tight=tight)
                        assert match == plain.match_phrase(phrase, tight=tight)
                        assert match.coverage <= reach
                    bounded += reach < 1.0
    assert bounded > 10
