"""Graders for single choice, multiple choice and true/false questions.

Accepted ways to pick options: letters (``b``, ``B)``, ``(b)``), 1-based numbers
(``2``), lists of either (``b, d``, ``2 4``, ``b and d``), or the option text itself
(normalised; a unique fuzzy match is accepted for text, never for digits).
"""

from __future__ import annotations

import logging
import re
from string import ascii_lowercase

from rapidfuzz import fuzz

from interviewprep.bank.schema import MultipleChoice, SingleChoice, TrueFalse
from interviewprep.grading.bands import DEFAULT_BANDS, RatingBands
from interviewprep.grading.common import could_not_grade, scored
from interviewprep.grading.normalize import normalize
from interviewprep.grading.prepare import prepare_answer
from interviewprep.grading.result import GradeResult

logger = logging.getLogger(__name__)

_FILLER = frozenset(
    {
        "option",
        "options",
        "answer",
        "answers",
        "and",
        "the",
        "is",
        "are",
        "both",
        "choice",
        "choices",
        "i",
        "pick",
        "choose",
        "select",
        "it",
        "its",
        "s",
        "my",
    }
)
_SEPARATORS = re.compile(r"[\s,;/&+|]+")
_LETTER_PREFIX = re.compile(r"^\(?([a-j])\s*[).:]\s+\S")
_OPTION_FUZZY = 88.0
_MAX_SELECTION_TOKENS = 12


def _letters_or_numbers(text: str, n_options: int) -> frozenset[int] | None:
    """Read ``b, d`` / ``(B)`` / ``2 4`` as option indices; None if it is not that."""
    pieces = [p.strip("()[].:") for p in _SEPARATORS.split(text.casefold())]
    pieces = [p for p in pieces if p and p not in _FILLER]
    if not pieces or len(pieces) > _MAX_SELECTION_TOKENS:
        return None
    picked: set[int] = set()
    for piece in pieces:
        if len(piece) == 1 and piece in ascii_lowercase:
            index = ascii_lowercase.index(piece)
        elif piece.isdigit() and len(piece) <= 2:
            index = int(piece) - 1
        else:
            return None
        if not 0 <= index < n_options:
            return None
        picked.add(index)
    return frozenset(picked)


def _option_text(text: str, options: list[str]) -> int | None:
    """The one option whose text ``text`` names, or None."""
    answer = normalize(text)
    if not answer:
        return None
    normalised = [normalize(o) for o in options]
    for index, option in enumerate(normalised):
        if answer == option:
            return index
    words = set(answer.split())
    subset = [i for i, o in enumerate(normalised) if words <= set(o.split())]
    if len(subset) == 1 and any(len(w) > 2 for w in words):
        return subset[0]
    # numbers and codes are never matched fuzzily: an option is a candidate only when
    # it has every number of the answer ("401 Unauthorised" may match "401 Unauthorized")
    numbers = {w for w in words if any(ch.isdigit() for ch in w)}
    scores = [
        fuzz.token_sort_ratio(answer, o) if numbers <= set(o.split()) else 0.0 for o in normalised
    ]
    best = max(scores)
    if best >= _OPTION_FUZZY and scores.count(best) == 1:
        return scores.index(best)
    return None


def parse_selection(text: str, options: list[str]) -> frozenset[int] | None:
    """Read which options an answer picks (0-based indices), or None if unclear."""
    text = text.strip()
    if not text:
        return None
    picked = _letters_or_numbers(text, len(options))
    if picked is not None:
        return picked
    whole = _option_text(text, options)
    if whole is not None:
        return frozenset({whole})
    prefix = _LETTER_PREFIX.match(text.casefold())
    if prefix:
        index = ascii_lowercase.index(prefix.group(1))
        if index < len(options):
            return frozenset({index})
    parts = [p for p in re.split(r"[;\n]|,\s*|\band\b", text) if p.strip()]
    if len(parts) > 1:
        found: set[int] = set()
        for part in parts:
            one = _letters_or_numbers(part, len(options))
            named = _option_text(part, options)
            if one is not None:
                found |= one
            elif named is not None:
                found.add(named)
            else:
                return None
        return frozenset(found)
    return None


def _label(index: int) -> str:
    return ascii_lowercase[index]


class ChoiceGrader:
    """Grades single and multiple choice questions.

    Multiple choice gets partial credit: ``(correct picks - wrong picks) / correct
    options``, clipped at 0, and capped below the pass band unless the selection is
    exactly right (two of three right options is Hard, not Good).
    """

    name = "choice"

    def __init__(self, bands: RatingBands = DEFAULT_BANDS) -> None:
        self.bands = bands

    def grade(self, question: SingleChoice | MultipleChoice, answer: str) -> GradeResult:
        """Grade a pick of options."""
        prepared = prepare_answer(answer)
        if prepared.problem:
            return could_not_grade(self.name, prepared.problem, truncated=prepared.truncated)
        texts = [o.text for o in question.options]
        picked = parse_selection(prepared.text, texts)
        last = _label(len(texts) - 1)
        if picked is None or not picked:
            return could_not_grade(
                self.name,
                f"Could not tell which option you picked; answer with its number "
                f"(1-{len(texts)}), its letter (a-{last}) or its text.",
                truncated=prepared.truncated,
            )
        correct = frozenset(i for i, o in enumerate(question.options) if o.correct)
        # adapters label options differently (numbers, letters, buttons): name them by text
        right = "; ".join(f"“{texts[i]}”" for i in sorted(correct))
        chosen = ", ".join(_label(i) for i in sorted(picked))
        details = {"picked": chosen, "correct": ",".join(_label(i) for i in sorted(correct))}
        if isinstance(question, SingleChoice):
            if len(picked) > 1:
                return scored(
                    self.name,
                    0.0,
                    self.bands,
                    f"Pick one option only. The answer is {right}.",
                    correct=False,
                    truncated=prepared.truncated,
                    details=details,
                )
            (index,) = picked
            ok = index in correct
            why = question.options[index].why
            feedback = "Correct." if ok else f"Not quite: the answer is {right}."
            if why and not ok:
                feedback += f" You picked “{texts[index]}”: {why}"
            return scored(
                self.name,
                1.0 if ok else 0.0,
                self.bands,
                feedback,
                correct=ok,
                truncated=prepared.truncated,
                details=details,
            )
        hits = len(picked & correct)
        wrong = len(picked - correct)
        score = max(0.0, (hits - wrong) / len(correct))
        ok = picked == correct
        if not ok:  # an incomplete or over-full selection is never a pass
            score = min(score, self.bands.cap_below_pass())
        if ok:
            feedback = "Correct: you picked every right option and nothing else."
        else:
            missed = len(correct - picked)
            feedback = (
                f"{hits} of {len(correct)} right options picked"
                f"{f', {wrong} wrong' if wrong else ''}"
                f"{f', {missed} missed' if missed else ''}. The right options: {right}."
            )
        return scored(
            self.name,
            score,
            self.bands,
            feedback,
            correct=ok,
            truncated=prepared.truncated,
            details=details,
        )


_TRUE = frozenset({"true", "yes", "correct", "right", "yep", "yeah", "agree"})
_FALSE = frozenset({"false", "no", "incorrect", "wrong", "nope", "untrue", "disagree"})
# Adapters list true/false as options "1) True 2) False" (or a/b), so the option
# number and letter read as the option; 0 also reads as false.
_SHORT_TRUE = frozenset({"t", "y", "1", "a"})
_SHORT_FALSE = frozenset({"f", "n", "0", "2", "b"})
_NOT = frozenset({"not", "isn't", "isnt", "never"})


def parse_true_false(text: str) -> bool | None:
    """Read a true/false answer: ``true``/``f``/``yes``/``0``/"it's false"/"not true"."""
    words = re.findall(r"[a-z0-9']+", text.casefold().replace("’", "'"))
    if not words:
        return None
    if len(words) == 1:
        word = words[0]
        if word in _SHORT_TRUE:
            return True
        if word in _SHORT_FALSE:
            return False
    for position, word in enumerate(words):
        value: bool | None = None
        if word in _TRUE:
            value = True
        elif word in _FALSE:
            value = False
        if value is None:
            continue
        negatable = word in {"true", "false", "correct", "right"} and position > 0
        if negatable and words[position - 1] in _NOT:
            value = not value
        return value
    return None


class TrueFalseGrader:
    """Grades true/false questions."""

    name = "true_false"

    def __init__(self, bands: RatingBands = DEFAULT_BANDS) -> None:
        self.bands = bands

    def grade(self, question: TrueFalse, answer: str) -> GradeResult:
        """Grade a true/false answer; the first true/false word decides."""
        prepared = prepare_answer(answer)
        if prepared.problem:
            return could_not_grade(self.name, prepared.problem, truncated=prepared.truncated)
        value = parse_true_false(prepared.text)
        if value is None:
            return could_not_grade(
                self.name,
                "Could not tell whether you meant true or false; answer true or false.",
                truncated=prepared.truncated,
            )
        ok = value == question.answer
        expected = "true" if question.answer else "false"
        feedback = "Correct." if ok else f"Not quite: the statement is {expected}."
        return scored(
            self.name,
            1.0 if ok else 0.0,
            self.bands,
            feedback,
            correct=ok,
            truncated=prepared.truncated,
            details={"read_as": "true" if value else "false"},
        )
