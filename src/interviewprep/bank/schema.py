"""The question-pack schema: what a ``questions/*.yaml`` file may contain.

Every model forbids unknown keys so that a typo in a pack (``explaination:``) is an
error with a name, not a silently missing field. Structural rules live here; bank
quality rules that need the whole bank (duplicates, taxonomy ids, sample grades) live
in :mod:`interviewprep.bank.validate`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$"
MAX_ID_LENGTH = 48  # keeps ids inside Telegram's 64-byte callback data with room to spare
MAX_OPTION_LENGTH = 100  # Telegram poll options are capped at 100 characters

# A tag such as <script> or </b> outside code spans: packs are plain text with
# Markdown-style backticks for code, and adapters escape everything they render.
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def html_outside_code(text: str) -> str | None:
    """Return the first HTML tag found outside code spans, or None."""
    match = _HTML_TAG.search(_CODE.sub("", text))
    return match.group(0) if match else None


class Level(StrEnum):
    """How senior a question is."""

    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"


class QuestionType(StrEnum):
    """The kinds of question a pack may hold."""

    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"
    OPEN = "open"
    BEHAVIOURAL = "behavioural"


AUTO_GRADED = frozenset(
    {
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
        QuestionType.TRUE_FALSE,
        QuestionType.SHORT_ANSWER,
    }
)


class ExpectedGrade(StrEnum):
    """The band a sample answer should land in."""

    FAIL = "fail"
    PARTIAL = "partial"
    PASS = "pass"


class StarPart(StrEnum):
    """The parts of a STAR-shaped behavioural answer."""

    SITUATION = "situation"
    TASK = "task"
    ACTION = "action"
    RESULT = "result"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


Text = Annotated[str, Field(min_length=1, max_length=4000)]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]
Identifier = Annotated[str, Field(pattern=ID_PATTERN, max_length=MAX_ID_LENGTH)]


class SampleAnswer(_Strict):
    """An answer with the grade it should get: the rubric's own test."""

    answer: Annotated[str, Field(min_length=1, max_length=6000)]
    expect: ExpectedGrade
    note: ShortText | None = None


class Option(_Strict):
    """One option of a choice question."""

    text: Annotated[str, Field(min_length=1, max_length=MAX_OPTION_LENGTH)]
    correct: bool = False
    why: ShortText | None = Field(
        default=None, description="One line: why this option is right or wrong."
    )


class KeyPoint(_Strict):
    """A point a good open answer makes, with other ways of saying it."""

    id: Identifier
    text: ShortText
    weight: Annotated[float, Field(gt=0, le=10)] = 1.0
    phrasings: list[ShortText] = Field(
        default_factory=list,
        description="Other wordings that make the same point; the grader matches any.",
    )
    star: StarPart | None = Field(
        default=None, description="Behavioural questions: which STAR part this point is."
    )


class Misconception(_Strict):
    """A wrong claim that, when an answer states it, fails the answer."""

    text: ShortText
    phrasings: list[ShortText] = Field(default_factory=list)
    why: ShortText


class NumericAnswer(_Strict):
    """A numeric short answer with an absolute tolerance."""

    value: float
    tolerance: Annotated[float, Field(ge=0)] = 0.0


class _QuestionBase(_Strict):
    id: Identifier
    prompt: Text
    level: Level
    topics: Annotated[list[Identifier], Field(min_length=1)]
    model_answer: Text
    explanation: Text
    hints: list[ShortText] = Field(default_factory=list)
    follow_ups: list[ShortText] = Field(default_factory=list)
    references: list[ShortText] = Field(default_factory=list)
    samples: list[SampleAnswer] = Field(default_factory=list)

    @field_validator("prompt", "model_answer", "explanation")
    @classmethod
    def _no_html(cls, value: str) -> str:
        tag = html_outside_code(value)
        if tag:
            raise ValueError(f"HTML tag {tag!r} outside backticks; write code as `code`")
        return value

    @field_validator("topics")
    @classmethod
    def _unique_topics(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a topic is listed twice")
        return value


class _ChoiceBase(_QuestionBase):
    options: Annotated[list[Option], Field(min_length=2, max_length=10)]

    @field_validator("options")
    @classmethod
    def _distinct_options(cls, value: list[Option]) -> list[Option]:
        seen = {" ".join(o.text.lower().split()) for o in value}
        if len(seen) != len(value):
            raise ValueError("two options have the same text")
        return value


class SingleChoice(_ChoiceBase):
    """One correct option."""

    type: Literal[QuestionType.SINGLE_CHOICE]

    @model_validator(mode="after")
    def _one_correct(self) -> SingleChoice:
        if sum(o.correct for o in self.options) != 1:
            raise ValueError("a single_choice question needs exactly one option with correct: true")
        return self


class MultipleChoice(_ChoiceBase):
    """One or more correct options; partial credit for partial selections."""

    type: Literal[QuestionType.MULTIPLE_CHOICE]

    @model_validator(mode="after")
    def _some_correct(self) -> MultipleChoice:
        if not any(o.correct for o in self.options):
            raise ValueError("a multiple_choice question needs at least one correct option")
        return self


class TrueFalse(_QuestionBase):
    """A statement that is true or false."""

    type: Literal[QuestionType.TRUE_FALSE]
    answer: bool


class ShortAnswer(_QuestionBase):
    """A word, name, number or code, matched against accepted aliases."""

    type: Literal[QuestionType.SHORT_ANSWER]
    accepted: Annotated[list[ShortText], Field(min_length=1)]
    numeric: NumericAnswer | None = None
    allow_typos: bool = Field(
        default=True,
        description="Accept small typos in names. Never applies to numbers or codes.",
    )


class OpenQuestion(_QuestionBase):
    """A free-text answer graded against weighted key points."""

    type: Literal[QuestionType.OPEN]
    key_points: Annotated[list[KeyPoint], Field(min_length=1, max_length=12)]
    misconceptions: list[Misconception] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_key_points(self) -> OpenQuestion:
        _check_unique_ids(self.key_points)
        return self


class Behavioural(_QuestionBase):
    """A "tell me about a time" question graded against STAR-shaped key points."""

    type: Literal[QuestionType.BEHAVIOURAL]
    key_points: Annotated[list[KeyPoint], Field(min_length=2, max_length=12)]
    misconceptions: list[Misconception] = Field(default_factory=list)

    @model_validator(mode="after")
    def _star_points(self) -> Behavioural:
        _check_unique_ids(self.key_points)
        missing = [k.id for k in self.key_points if k.star is None]
        if missing:
            raise ValueError(f"behavioural key points need a star part: {', '.join(missing)}")
        return self


def _check_unique_ids(points: list[KeyPoint]) -> None:
    ids = [p.id for p in points]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"key point id used twice: {', '.join(dupes)}")


Question = Annotated[
    SingleChoice | MultipleChoice | TrueFalse | ShortAnswer | OpenQuestion | Behavioural,
    Field(discriminator="type"),
]
ChoiceQuestion = SingleChoice | MultipleChoice
RubricQuestion = OpenQuestion | Behavioural


class Pack(_Strict):
    """A question pack: one YAML file."""

    id: Identifier
    title: ShortText
    description: Text
    authors: Annotated[list[ShortText], Field(min_length=1)]
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    license: ShortText
    questions: Annotated[list[Question], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_question_ids(self) -> Pack:
        ids = [q.id for q in self.questions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"question id used twice in this pack: {', '.join(dupes)}")
        return self
