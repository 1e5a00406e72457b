"""Grading equivalence oracle: one canonical JSON line per graded answer.

    python bench/grading_equivalence.py --out /tmp/grading-baseline.jsonl
    python bench/grading_equivalence.py --out /tmp/grading-new.jsonl \\
        --compare /tmp/grading-baseline.jsonl

Grades, with the default offline grader, a fixed corpus: every question of the shipped
packs (``questions/*.yaml``, via the bank loader) with its model answer and sample
answers; every answer of ``eval/grading/`` (``answers.yaml``, ``tuning/``,
``tuning-bank/``); and, for every open and behavioural question, odd and long inputs
built from its model answer (repeated to 4,000 and 6,000 characters, inside a code
fence, with emoji, with "not" inserted after each "is", every key point, phrasing and
misconception wording on its own). Each line holds the input's label, the score,
rating, every key point's status, coverage and evidence, the misconceptions, the
feedback, the details and the grader's name; never the time taken.

With ``--compare`` it exits 1 and prints the first differences when any line differs
from the baseline: a speed change to the grader must leave every line identical
(floats included, so keep the order of float arithmetic).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from interviewprep.bank.loader import builtin_pack_dir, load_bank
from interviewprep.bank.schema import Behavioural, OpenQuestion, Question
from interviewprep.grading import default_grader
from interviewprep.grading.evaluation import load_eval_set
from interviewprep.grading.result import GradeResult

ROOT = Path(__file__).resolve().parents[1]
EVAL_FOLDERS = ("eval/grading", "eval/grading/tuning", "eval/grading/tuning-bank")


def _repeat(text: str, size: int) -> str:
    return (text + " ") * (size // (len(text) + 1) + 1)


def _variants(question: Question) -> Iterator[tuple[str, str]]:
    """Labelled answers for one question: its own, then odd and long ones."""
    model = question.model_answer
    yield "model", model
    for index, sample in enumerate(question.samples):
        yield f"sample{index}", sample.answer
    if not isinstance(question, OpenQuestion | Behavioural):
        return
    yield "repeat4000", _repeat(model, 4000)[:4000]
    yield "repeat6000", _repeat(model, 6000)
    yield "fence", f"```python\n{model}\n```\nThat is all."
    yield "emoji", f"🙂 {model} 🚀🔥 ✅"
    yield "negated", model.replace(" is ", " is not ").replace(" are ", " are not ")
    yield "lower-no-punct", "".join(c for c in model.lower() if c.isalnum() or c.isspace())
    for point in question.key_points:
        for index, text in enumerate((point.text, *point.phrasings)):
            yield f"kp:{point.id}:{index}", text
    for number, misconception in enumerate(question.misconceptions):
        for index, text in enumerate((misconception.text, *misconception.phrasings)):
            yield f"mc:{number}:{index}", text


def corpus() -> Iterator[tuple[str, Question, str]]:
    """(label, question, answer) for every answer of the oracle, in a fixed order."""
    bank = load_bank([builtin_pack_dir()])
    for question in sorted(bank, key=lambda q: q.id):
        for label, answer in _variants(question):
            yield f"bank:{question.id}:{label}", question, answer
    for folder in EVAL_FOLDERS:
        data = load_eval_set(ROOT / folder)
        for index, item in enumerate(data.items):
            question = data.questions[item.question_id]
            yield f"{folder}:{index}:{item.question_id}:{item.kind}", question, item.answer
        for question_id in sorted(data.questions):
            question = data.questions[question_id]
            if isinstance(question, OpenQuestion | Behavioural):
                for label, answer in _variants(question):
                    yield f"{folder}:q:{question_id}:{label}", question, answer


def canonical(label: str, result: GradeResult) -> str:
    """The result as one JSON line, without the time taken."""
    return json.dumps(
        {
            "id": label,
            "grader": result.grader,
            "score": result.score,
            "rating": result.rating.name if result.rating is not None else None,
            "feedback": result.feedback,
            "correct": result.correct,
            "truncated": result.truncated,
            "misconceptions": list(result.misconceptions),
            "key_points": [
                [k.id, k.status.value, k.weight, k.coverage, k.evidence] for k in result.key_points
            ],
            "details": result.details,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Grade the corpus, write the lines, and compare them with a baseline if given."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args(argv)
    grader = default_grader()
    lines = [canonical(label, grader.grade(q, answer)) for label, q, answer in corpus()]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} answers graded -> {args.out}")
    if args.compare is None:
        return 0
    baseline = args.compare.read_text(encoding="utf-8").splitlines()
    pairs = enumerate(zip(baseline, lines, strict=False))
    differences = [(i, old, new) for i, (old, new) in pairs if old != new]
    if len(baseline) != len(lines):
        print(f"line count differs: baseline {len(baseline)}, now {len(lines)}")
    print(f"compared {min(len(baseline), len(lines))} answers: {len(differences)} differences")
    for i, old, new in differences[:5]:
        print(f"line {i + 1}:\n  was {old}\n  now {new}")
    return 1 if differences or len(baseline) != len(lines) else 0


if __name__ == "__main__":
    sys.exit(main())
