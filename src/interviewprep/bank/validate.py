"""The strict pack validator maintainers run: ``interviewprep packs validate``.

It loads packs strictly (every schema problem with file and line), then checks what
only the whole bank can show: ids reused across packs, near-duplicate prompts,
accepted answers that collide after normalisation, unknown taxonomy ids, quality
rules for pack authors, and the rubric tests (every sample answer is graded by the
real grader and must land on its expected grade).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from interviewprep.bank.loader import LoadedPack, PackError, Problem, load_pack, pack_files
from interviewprep.bank.schema import (
    Behavioural,
    ExpectedGrade,
    MultipleChoice,
    OpenQuestion,
    Question,
    ShortAnswer,
    SingleChoice,
)
from interviewprep.bank.taxonomy import Taxonomy
from interviewprep.grading.normalize import normalize

NEAR_DUPLICATE_SCORE = 92.0  # token-set similarity of two prompts, 0-100
MIN_OPEN_SAMPLES = 3

# Grades a sample answer: returns the band it landed in, or None if the question
# type has no rubric grader yet.
SampleGrader = Callable[[Question, str], ExpectedGrade | None]


@dataclass
class Report:
    """What the validator found; ``ok`` when there are no errors."""

    packs: list[LoadedPack] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    samples_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def question_count(self) -> int:
        return sum(len(p.questions) for p in self.packs)


def validate(
    paths: Iterable[Path],
    taxonomy: Taxonomy | None,
    grade_sample: SampleGrader | None = None,
) -> Report:
    """Validate every pack under ``paths`` as one bank."""
    report = Report()
    for path in pack_files(paths):
        try:
            report.packs.append(load_pack(path))
        except PackError as exc:
            report.errors.extend(exc.problems)
    _check_ids(report)
    for loaded in report.packs:
        for question in loaded.questions:
            where = _where(loaded, question)
            _check_quality(question, where, report)
            if taxonomy is not None:
                for topic in question.topics:
                    if topic not in taxonomy.ids:
                        report.errors.append(where(f"unknown taxonomy id {topic!r}", "topics"))
            if grade_sample is not None:
                _check_samples(question, where, grade_sample, report)
    _check_near_duplicates(report)
    return report


def _where(loaded: LoadedPack, question: Question) -> Callable[[str, str | None], Problem]:
    def make(message: str, field_name: str | None = None) -> Problem:
        return Problem(
            str(loaded.path), message, loaded.lines.get(question.id), question.id, field_name
        )

    return make


def _check_ids(report: Report) -> None:
    owner: dict[str, str] = {}
    for loaded in report.packs:
        if loaded.pack.id in {p.pack.id for p in report.packs if p is not loaded}:
            report.errors.append(Problem(str(loaded.path), f"pack id {loaded.pack.id!r} reused", 1))
        for question in loaded.questions:
            if question.id in owner and owner[question.id] != str(loaded.path):
                report.errors.append(
                    _where(loaded, question)(f"id already used in {owner[question.id]}", "id")
                )
            owner.setdefault(question.id, str(loaded.path))


def _check_quality(
    question: Question, where: Callable[[str, str | None], Problem], report: Report
) -> None:
    if isinstance(question, SingleChoice | MultipleChoice):
        for index, option in enumerate(question.options):
            if not option.correct and not option.why:
                report.errors.append(
                    where("a wrong option needs a one-line `why`", f"options[{index}].why")
                )
    if isinstance(question, ShortAnswer):
        seen: dict[str, str] = {}
        for alias in question.accepted:
            key = normalize(alias)
            if not key:
                report.errors.append(where(f"accepted answer {alias!r} is empty", "accepted"))
            elif key in seen:
                report.errors.append(
                    where(
                        f"accepted answers {seen[key]!r} and {alias!r} are the same "
                        "after normalisation",
                        "accepted",
                    )
                )
            seen.setdefault(key, alias)
    if isinstance(question, OpenQuestion | Behavioural):
        expected = {s.expect for s in question.samples}
        if (
            len(question.samples) < MIN_OPEN_SAMPLES
            or not {
                ExpectedGrade.PASS,
                ExpectedGrade.FAIL,
            }
            <= expected
        ):
            report.errors.append(
                where(
                    f"open questions need >= {MIN_OPEN_SAMPLES} sample answers, "
                    "including at least one pass and one fail",
                    "samples",
                )
            )


def _check_samples(
    question: Question,
    where: Callable[[str, str | None], Problem],
    grade_sample: SampleGrader,
    report: Report,
) -> None:
    for index, sample in enumerate(question.samples):
        got = grade_sample(question, sample.answer)
        if got is None:
            continue
        report.samples_checked += 1
        if got != sample.expect:
            preview = sample.answer if len(sample.answer) <= 60 else sample.answer[:57] + "..."
            report.errors.append(
                where(
                    f"sample answer graded {got.value}, expected {sample.expect.value}: "
                    f"{preview!r}",
                    f"samples[{index}]",
                )
            )


def _check_near_duplicates(report: Report) -> None:
    entries: list[tuple[LoadedPack, Question]] = [
        (loaded, q) for loaded in report.packs for q in loaded.questions
    ]
    prompts: Sequence[str] = [normalize(q.prompt) for _, q in entries]
    if len(prompts) < 2:
        return
    for i, prompt in enumerate(prompts[:-1]):
        later = prompts[i + 1 :]
        for _, score, offset in process.extract(
            prompt,
            later,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=NEAR_DUPLICATE_SCORE,
            limit=None,
        ):
            loaded, question = entries[i]
            other_loaded, other = entries[i + 1 + offset]
            report.errors.append(
                _where(loaded, question)(
                    f"prompt is a near duplicate ({score:.0f}%) of {other.id} "
                    f"in {other_loaded.path.name}",
                    "prompt",
                )
            )
