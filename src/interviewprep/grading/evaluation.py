"""The grading evaluation harness: labelled answers in, accuracy/AUC/latency out.

An evaluation folder (``eval/grading/``) holds one or more pack-format YAML files
with the questions, and ``answers.yaml``: a list of blocks ``{question, split,
answers: [{kind, expect, text}]}``. Run it with ``interviewprep grade eval PATH``.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

import yaml

from interviewprep.bank.loader import load_pack
from interviewprep.bank.schema import ExpectedGrade, Question
from interviewprep.grading.result import Grader, GradeResult

logger = logging.getLogger(__name__)

ANSWERS_FILE = "answers.yaml"
PACKS_FILE = "packs.txt"
"""Optional, in an evaluation folder: pack files to load, one path a line, relative to
the folder (``eval/grading/tuning-bank/`` uses the shipped bank's packs this way)."""
SPLITS = ("dev", "heldout")
BANDS = (ExpectedGrade.PASS, ExpectedGrade.PARTIAL, ExpectedGrade.FAIL)
MUST_FAIL_KINDS = ("negated", "keywords")
MUST_PASS_KINDS = ("paraphrase",)


class EvalSetError(ValueError):
    """The evaluation set is malformed (unknown question, bad label, missing file)."""


@dataclass(frozen=True)
class EvalItem:
    """One labelled answer."""

    question_id: str
    answer: str
    expect: ExpectedGrade
    kind: str
    split: str


@dataclass(frozen=True)
class EvalSet:
    """Questions by id and the labelled answers to them."""

    questions: dict[str, Question]
    items: tuple[EvalItem, ...]

    def select(self, split: str) -> EvalSet:
        """Only the items of ``split`` (``dev``, ``heldout``) or every item (``all``)."""
        if split == "all":
            return self
        return EvalSet(self.questions, tuple(i for i in self.items if i.split == split))


def load_eval_set(path: Path) -> EvalSet:
    """Load an evaluation folder (or its answers file, with the packs beside it).

    A folder with an answers file and no packs (``eval/grading/tuning/``) uses the
    packs of its parent folder; a folder with a ``packs.txt`` also loads the packs it
    lists (``eval/grading/tuning-bank/`` answers questions of the shipped bank).

    Raises:
        EvalSetError: with a message naming the problem.
    """
    folder = path if path.is_dir() else path.parent
    answers = path / ANSWERS_FILE if path.is_dir() else path
    if not answers.is_file():
        raise EvalSetError(f"no {ANSWERS_FILE} in {folder}")
    questions: dict[str, Question] = {}
    packs = [p for p in sorted(folder.glob("*.yaml")) if p.resolve() != answers.resolve()]
    listed = folder / PACKS_FILE
    if not packs and not listed.is_file() and (folder.parent / ANSWERS_FILE).is_file():
        # a folder of extra answers (eval/grading/tuning/) to the parent's questions
        packs = [p for p in sorted(folder.parent.glob("*.yaml")) if p.name != ANSWERS_FILE]
    if listed.is_file():
        for line in listed.read_text(encoding="utf-8").splitlines():
            entry = line.split("#", 1)[0].strip()
            if entry:
                pack_path = (folder / entry).resolve()
                if not pack_path.is_file():
                    raise EvalSetError(f"{listed}: no pack file {entry}")
                packs.append(pack_path)
    for pack_file in packs:
        for question in load_pack(pack_file).questions:
            questions[question.id] = question
    try:
        blocks: Any = yaml.safe_load(answers.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise EvalSetError(f"{answers}: {exc}") from exc
    if not isinstance(blocks, list):
        raise EvalSetError(f"{answers}: expected a list of question blocks")
    items: list[EvalItem] = []
    for block in blocks:
        question_id = str(block.get("question", ""))
        split = str(block.get("split", ""))
        if question_id not in questions:
            raise EvalSetError(f"{answers}: unknown question {question_id!r}")
        if split not in SPLITS:
            raise EvalSetError(f"{answers}: {question_id}: split must be dev or heldout")
        for entry in block.get("answers", []):
            try:
                expect = ExpectedGrade(str(entry["expect"]))
            except (KeyError, ValueError) as exc:
                raise EvalSetError(f"{answers}: {question_id}: bad expect {entry!r}") from exc
            items.append(
                EvalItem(question_id, str(entry["text"]), expect, str(entry["kind"]), split)
            )
    return EvalSet(questions, tuple(items))


@dataclass(frozen=True)
class Outcome:
    """One graded item."""

    item: EvalItem
    result: GradeResult
    wall_ms: float

    @property
    def band(self) -> ExpectedGrade | None:
        return self.result.band

    @property
    def score(self) -> float:
        """The score for ranking; ungradable answers rank lowest."""
        return self.result.score if self.result.score is not None else 0.0


def run_eval(grader: Grader, data: EvalSet) -> list[Outcome]:
    """Grade every item with ``grader``."""
    outcomes = []
    for item in data.items:
        start = perf_counter()
        result = grader.grade(data.questions[item.question_id], item.answer)
        outcomes.append(Outcome(item, result, (perf_counter() - start) * 1000))
    return outcomes


def auc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties count half); None if one class."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return None
    wins = 0.0
    for p in pos:
        for n in neg:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(pos) * len(neg))


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Metrics:
    """Summary numbers for one grader on one split."""

    n: int = 0
    pass_fail_accuracy: float = 0.0
    three_way_accuracy: float = 0.0
    auc: float | None = None
    ungradable: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    kinds: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    confusion: dict[str, Counter[str]] = field(default_factory=dict)
    must_fail_rate: float | None = None
    must_fail_not_pass_rate: float | None = None
    paraphrase_pass_rate: float | None = None


def _rate(hits: Iterable[bool]) -> float | None:
    values = list(hits)
    return sum(values) / len(values) if values else None


def metrics(outcomes: Sequence[Outcome]) -> Metrics:
    """Compute accuracy, AUC, per-kind results, confusion and latency."""
    m = Metrics(n=len(outcomes))
    if not outcomes:
        return m
    passes = [o.band is ExpectedGrade.PASS for o in outcomes]
    wanted = [o.item.expect is ExpectedGrade.PASS for o in outcomes]
    m.pass_fail_accuracy = sum(a == b for a, b in zip(passes, wanted, strict=True)) / m.n
    m.three_way_accuracy = sum(o.band is o.item.expect for o in outcomes) / m.n
    m.auc = auc([o.score for o in outcomes], wanted)
    m.ungradable = sum(o.band is None for o in outcomes)
    latencies = [o.result.elapsed_ms or o.wall_ms for o in outcomes]
    m.p50_ms = statistics.median(latencies)
    m.p95_ms = percentile(latencies, 0.95)
    m.max_ms = max(latencies)
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.item.kind].append(outcome)
    for kind, group in sorted(by_kind.items()):
        exact = sum(o.band is o.item.expect for o in group) / len(group)
        binary = sum(
            (o.band is ExpectedGrade.PASS) == (o.item.expect is ExpectedGrade.PASS) for o in group
        ) / len(group)
        m.kinds[kind] = (len(group), exact, binary)
    m.confusion = {e.value: Counter() for e in BANDS}
    for outcome in outcomes:
        got = outcome.band.value if outcome.band else "ungradable"
        m.confusion[outcome.item.expect.value][got] += 1
    must_fail = [o for o in outcomes if o.item.kind in MUST_FAIL_KINDS]
    m.must_fail_rate = _rate(o.band is ExpectedGrade.FAIL for o in must_fail)
    m.must_fail_not_pass_rate = _rate(o.band is not ExpectedGrade.PASS for o in must_fail)
    m.paraphrase_pass_rate = _rate(
        o.band is ExpectedGrade.PASS for o in outcomes if o.item.kind in MUST_PASS_KINDS
    )
    return m


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.1%}"


def format_metrics(grader: str, split: str, m: Metrics) -> str:
    """A plain-text table for one grader and split."""
    lines = [
        f"grader: {grader}   split: {split}   answers: {m.n}   ungradable: {m.ungradable}",
        f"  pass/fail accuracy   {_pct(m.pass_fail_accuracy)}",
        f"  three-way accuracy   {_pct(m.three_way_accuracy)}",
        f"  AUC (pass vs rest)   {'n/a' if m.auc is None else f'{m.auc:.3f}'}",
        f"  negated+keywords graded fail   {_pct(m.must_fail_rate)}"
        f"   (not passed: {_pct(m.must_fail_not_pass_rate)})",
        f"  paraphrases passed   {_pct(m.paraphrase_pass_rate)}",
        f"  latency ms: p50 {m.p50_ms:.2f}   p95 {m.p95_ms:.2f}   max {m.max_ms:.2f}",
        "  per kind:              n   three-way   pass/fail",
    ]
    for kind, (n, exact, binary) in m.kinds.items():
        lines.append(f"    {kind:<18} {n:>5}   {_pct(exact):>9}   {_pct(binary):>9}")
    columns = ["pass", "partial", "fail", "ungradable"]
    lines.append("  confusion (rows expected, columns graded):")
    lines.append("    " + " " * 10 + "".join(f"{c:>11}" for c in columns))
    for expect, row in m.confusion.items():
        lines.append("    " + f"{expect:<10}" + "".join(f"{row.get(c, 0):>11}" for c in columns))
    return "\n".join(lines)


def misgraded(outcomes: Sequence[Outcome]) -> list[str]:
    """One line per item whose band differs from its label (for tuning on dev)."""
    lines = []
    for o in outcomes:
        if o.band is not o.item.expect:
            got = o.band.value if o.band else "ungradable"
            preview = " ".join(o.item.answer.split())[:90]
            lines.append(
                f"{o.item.question_id} [{o.item.kind}] expected {o.item.expect.value}, "
                f"got {got} ({o.result.score}): {preview}"
            )
    return lines
