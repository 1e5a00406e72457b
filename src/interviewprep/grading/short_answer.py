"""Grader for short answers: a name, number or code matched against aliases.

Matching, in order:

1. the normalised answer (case, spacing, punctuation, NFKC, "&" = "and") equals an
   accepted alias, or does so once lead-ins ("it's", "the answer is") are removed
   or separators are ignored (``utf8`` = ``UTF-8``, ``nodejs`` = ``Node.js``);
2. for numeric questions, the answer states exactly one number and it is within the
   tolerance. ``404``, ``404.0``, ``HTTP 404``, ``status 404``, ``404 not found`` are
   all read as 404 (an ``HTTP/1.1`` version is ignored); an answer with two
   different numbers (``404 or 403``) is wrong;
3. the answer contains an alias with at most a few extra words and no "or";
4. when the question allows typos: a small edit distance (1 edit for 4-7 letters, 2
   from 8) to an alias, only when neither has a digit. Codes and numbers never get
   typo tolerance: ``4040`` and ``403`` are wrong for 404. A typo'd pass is
   suggested as Hard.
"""

from __future__ import annotations

import logging
import re

from rapidfuzz.distance import OSA

from interviewprep.bank.schema import ShortAnswer
from interviewprep.grading.bands import DEFAULT_BANDS, RatingBands
from interviewprep.grading.common import could_not_grade, scored
from interviewprep.grading.normalize import normalize
from interviewprep.grading.prepare import prepare_answer
from interviewprep.grading.result import GradeResult

logger = logging.getLogger(__name__)

TYPO_SCORE = 0.6  # lands in the Hard band with the default bands
_LEAD_INS = re.compile(
    r"^(?:(?:i think|i believe|probably|maybe|the answer is|answer|it is|it s|its|"
    r"that s|thats|that is|this is|a|an|the|use|using)\s+)+"
)
_HTTP_VERSION = re.compile(r"\bhttp/\d(?:\.\d)?\b")
_COMPACT = re.compile(r"[\s.\-/_]+")
_MAX_EXTRA_WORDS = 3


def _compact(text: str) -> str:
    return _COMPACT.sub("", text)


def _numbers(text: str) -> list[float]:
    text = _HTTP_VERSION.sub(" ", text)
    values = []
    for match in re.finditer(r"-?\d[\d,]*(?:\.\d+)?", text):
        start, end = match.span()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isalpha() or after.isalpha() or after == "_":
            values.append(float("nan"))  # a code such as 4xx or x86: not a plain number
            continue
        raw = match.group(0).replace(",", "")
        try:
            values.append(float(raw))
        except ValueError:
            values.append(float("nan"))
    return values


def _typo_limit(length: int) -> int:
    if length < 4:
        return 0
    return 1 if length < 8 else 2


class ShortAnswerGrader:
    """Grades short answers against accepted aliases and numeric values."""

    name = "short_answer"

    def __init__(self, bands: RatingBands = DEFAULT_BANDS, typo_score: float = TYPO_SCORE) -> None:
        self.bands = bands
        self.typo_score = typo_score

    def grade(self, question: ShortAnswer, answer: str) -> GradeResult:
        """Grade a short answer."""
        prepared = prepare_answer(answer)
        if prepared.problem:
            return could_not_grade(self.name, prepared.problem, truncated=prepared.truncated)
        text = normalize(prepared.text.replace("`", " "))
        expected = question.accepted[0]

        def right(feedback: str, how: str, score: float = 1.0) -> GradeResult:
            return scored(
                self.name,
                score,
                self.bands,
                feedback,
                correct=True,
                truncated=prepared.truncated,
                details={"matched": how},
            )

        wrong = scored(
            self.name,
            0.0,
            self.bands,
            f"Not quite: the expected answer is {expected}.",
            correct=False,
            truncated=prepared.truncated,
            details={"matched": "none"},
        )
        if not text:
            return wrong
        stripped = _LEAD_INS.sub("", text).strip()
        aliases = [normalize(a) for a in question.accepted]
        for alias in aliases:
            if alias in {text, stripped} or (
                _compact(alias) and _compact(alias) in {_compact(text), _compact(stripped)}
            ):
                return right("Correct.", "alias")
        if question.numeric is not None:
            values = _numbers(text)
            if values:
                distinct = set(values)
                if len(distinct) == 1:
                    (value,) = distinct
                    if abs(value - question.numeric.value) <= question.numeric.tolerance:
                        return right("Correct.", "number")
                return wrong
        words = stripped.split()
        if " or " not in f" {stripped} ":
            for alias in aliases:
                alias_words = alias.split()
                if not alias_words or len(words) - len(alias_words) > _MAX_EXTRA_WORDS:
                    continue
                for start in range(len(words) - len(alias_words) + 1):
                    if words[start : start + len(alias_words)] == alias_words:
                        return right("Correct.", "alias-in-answer")
        if question.allow_typos and not any(ch.isdigit() for ch in stripped):
            for original, alias in zip(question.accepted, aliases, strict=True):
                if any(ch.isdigit() for ch in alias):
                    continue
                limit = _typo_limit(len(_compact(alias)))
                if limit and OSA.distance(_compact(stripped), _compact(alias)) <= limit:
                    return right(
                        f"Accepted, but check the spelling: {original}.", "typo", self.typo_score
                    )
        return wrong
