"""Make a raw answer safe to grade: bounded length, no control characters.

Every grader calls :func:`prepare_answer` first. It never raises: odd input comes
back with ``problem`` set to a sentence the person can read, and the grader turns
that into a "could not grade" result.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_ANSWER_CHARS = 4000
"""Only this many characters of an answer are graded, so grading time is bounded."""

_FENCE = re.compile(r"```[^\n`]*\n?(.*?)(?:```|$)", re.DOTALL)
_WORD_CHAR = re.compile(r"[^\W_]")
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
"""ASCII control characters (category Cc) other than tab and newline."""
_NON_LETTERS = re.compile(r"[^A-Za-z]+")
_BINARY_SHARE = 0.1


@dataclass(frozen=True)
class PreparedAnswer:
    """An answer cleaned for grading.

    Attributes:
        text: the cleaned text (possibly cut to :data:`MAX_ANSWER_CHARS`).
        truncated: the original was longer than the grader reads.
        problem: why the answer cannot be graded, or None when it can.
    """

    text: str
    truncated: bool = False
    problem: str | None = None

    @property
    def letters(self) -> int:
        """How many alphabetic characters the text has."""
        if self.text.isascii():
            return len(_NON_LETTERS.sub("", self.text))
        return sum(ch.isalpha() for ch in self.text)

    @property
    def latin_share(self) -> float:
        """The share of letters that are Latin (1.0 when there are no letters)."""
        if self.text.isascii():
            return 1.0  # every ASCII letter is Latin
        letters = [ch for ch in self.text if ch.isalpha()]
        if not letters:
            return 1.0
        latin = sum("LATIN" in unicodedata.name(ch, "") for ch in letters)
        return latin / len(letters)


def _ascii_digits(text: str) -> str:
    """Map decimal digits of any script (Arabic-Indic, full-width, ...) to ASCII."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isdigit() and not ch.isascii():
            value = unicodedata.decimal(ch, None)
            out.append(str(value) if value is not None else ch)
        else:
            out.append(ch)
    return "".join(out)


def strip_code_fences(text: str) -> str:
    """Replace Markdown code fences (```lang ... ```) with their contents."""
    if "```" not in text:
        return text
    return _FENCE.sub(lambda m: " " + m.group(1) + " ", text).replace("```", " ")


def prepare_answer(answer: object, max_chars: int = MAX_ANSWER_CHARS) -> PreparedAnswer:
    """Clean ``answer`` for grading; never raises.

    Steps: refuse non-strings; cut to ``max_chars``; drop control and bidi/format
    characters (keeping newlines and tabs); apply NFKC; map non-ASCII digits to ASCII;
    unwrap code fences. Sets ``problem`` for empty, binary-looking and
    symbol-only (for example emoji-only) answers.
    """
    if isinstance(answer, bytes):
        answer = answer.decode("utf-8", errors="replace")
    if not isinstance(answer, str):
        return PreparedAnswer("", problem="The answer is not text, so it could not be graded.")
    truncated = len(answer) > max_chars
    if truncated:
        cut = answer[:max_chars]
        space = cut.rfind(" ", max_chars - 200)
        answer = cut[:space] if space > 0 else cut
    if answer.isascii():
        # the loop below, for ASCII: only control characters other than newline and
        # tab are replaced (by a space), and NFKC leaves ASCII unchanged
        dropped = len(_ASCII_CONTROLS.findall(answer))
        text = _ASCII_CONTROLS.sub(" ", answer) if dropped else answer
        return _checked(answer, strip_code_fences(text).strip(), truncated, dropped)
    kept: list[str] = []
    dropped = 0
    for ch in answer:
        category = unicodedata.category(ch)
        if ch in "\n\t":
            kept.append(ch)
        elif category == "Cc" or ch == "\ufffd" or category in {"Cs", "Co", "Cn"}:
            dropped += 1
            kept.append(" ")
        elif category == "Cf":  # zero-width and bidi marks: invisible, never meaningful
            continue
        else:
            kept.append(ch)
    text = unicodedata.normalize("NFKC", "".join(kept))
    text = _ascii_digits(strip_code_fences(text)).strip()
    return _checked(answer, text, truncated, dropped)


def _checked(answer: str, text: str, truncated: bool, dropped: int) -> PreparedAnswer:
    """The prepared answer, with ``problem`` set when it cannot be graded."""
    if answer and dropped / len(answer) > _BINARY_SHARE:
        return PreparedAnswer(
            text,
            truncated,
            "The answer looks like binary data (many control characters), "
            "so it could not be graded.",
        )
    if not text:
        return PreparedAnswer("", truncated, "The answer is empty, so there is nothing to grade.")
    if not _WORD_CHAR.search(text):
        return PreparedAnswer(
            text,
            truncated,
            "The answer has no letters or digits (only symbols or emoji), "
            "so it could not be graded; rate it yourself.",
        )
    return PreparedAnswer(text, truncated)
