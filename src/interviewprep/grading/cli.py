"""The ``interviewprep grade`` command.

* ``interviewprep grade [--pack PATH ...] [--grader NAME]`` reads JSON lines
  ``{"question_id": ..., "answer": ...}`` on stdin and writes one JSON line per input
  line with the full result, or ``{"error": ...}`` for a line it cannot grade
  (unknown question id, invalid JSON). Exit code 0 when every line was graded, 1
  when some lines had errors, 2 when the packs could not be loaded.
* ``interviewprep grade eval PATH [--grader NAME ...] [--split heldout|dev|all]``
  prints the evaluation table of each grader (see :mod:`.evaluation`).

The host CLI calls :func:`register` with its subparsers and then ``args.func(args)``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

from interviewprep.bank.loader import PackError, builtin_pack_dir, load_pack, pack_files
from interviewprep.bank.schema import Question
from interviewprep.grading.evaluation import (
    EvalSetError,
    format_metrics,
    load_eval_set,
    metrics,
    misgraded,
    run_eval,
)
from interviewprep.grading.registry import GRADER_NAMES, UnknownGraderError, make_grader
from interviewprep.grading.result import GradeResult

logger = logging.getLogger(__name__)

MAX_LINE_CHARS = 1_000_000


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``grade`` command (and ``grade eval``) to a CLI's subparsers."""
    grade = subparsers.add_parser(
        "grade",
        help="grade answers (JSON lines on stdin) or run the grading evaluation",
        description="Read JSON lines {question_id, answer} on stdin; write one JSON result "
        "per line.",
    )
    grade.add_argument(
        "--pack",
        action="append",
        type=Path,
        default=None,
        metavar="PATH",
        help="pack file or folder (repeatable; default: the built-in packs)",
    )
    grade.add_argument("--grader", default="offline", choices=GRADER_NAMES)
    grade.set_defaults(func=run_grade_stdin)
    sub = grade.add_subparsers(dest="grade_command", metavar="{eval}")
    evaluate = sub.add_parser("eval", help="run the labelled evaluation set")
    evaluate.add_argument("path", type=Path, help="evaluation folder, e.g. eval/grading")
    evaluate.add_argument(
        "--grader",
        action="append",
        dest="graders",
        choices=GRADER_NAMES,
        default=None,
        help="grader to evaluate (repeatable; default: offline)",
    )
    evaluate.add_argument("--split", choices=("heldout", "dev", "all"), default="heldout")
    evaluate.add_argument(
        "--show-misgraded", action="store_true", help="list answers graded off their label"
    )
    evaluate.set_defaults(func=run_grade_eval)


def result_to_dict(result: GradeResult) -> dict[str, Any]:
    """A JSON-ready view of a result."""
    return {
        "score": result.score,
        "rating": result.rating.label if result.rating else None,
        "rating_value": int(result.rating) if result.rating else None,
        "band": result.band.value if result.band else None,
        "gradable": result.gradable,
        "correct": result.correct,
        "feedback": result.feedback,
        "key_points": [
            {
                "id": k.id,
                "text": k.text,
                "status": k.status.value,
                "weight": k.weight,
                "coverage": k.coverage,
                "evidence": k.evidence,
            }
            for k in result.key_points
        ],
        "misconceptions": list(result.misconceptions),
        "truncated": result.truncated,
        "grader": result.grader,
        "elapsed_ms": result.elapsed_ms,
        "details": result.details,
    }


def _load_questions(paths: list[Path] | None) -> dict[str, Question]:
    questions: dict[str, Question] = {}
    for path in pack_files(paths or [builtin_pack_dir()]):
        if path.name == "taxonomy.yaml":
            continue
        for question in load_pack(path).questions:
            questions.setdefault(question.id, question)
    return questions


def grade_lines(
    lines: TextIO, out: TextIO, questions: dict[str, Question], grader_name: str = "offline"
) -> int:
    """Grade JSON lines from ``lines`` into ``out``; returns the number of error lines."""
    grader = make_grader(grader_name)
    errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        reply: dict[str, Any]
        try:
            if len(line) > MAX_LINE_CHARS:
                raise ValueError(f"line longer than {MAX_LINE_CHARS} characters")
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            question_id = data.get("question_id")
            answer = data.get("answer")
            if not isinstance(question_id, str) or not isinstance(answer, str):
                raise ValueError("need string fields question_id and answer")
            question = questions.get(question_id)
            if question is None:
                raise ValueError(f"unknown question id {question_id!r}")
            reply = {
                "line": number,
                "question_id": question_id,
                **result_to_dict(grader.grade(question, answer)),
            }
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            errors += 1
            reply = {"line": number, "error": str(exc)}
        out.write(json.dumps(reply, ensure_ascii=False) + "\n")
        out.flush()
    return errors


def run_grade_stdin(args: argparse.Namespace) -> int:
    """Handler of ``interviewprep grade``."""
    try:
        questions = _load_questions(args.pack)
    except PackError as exc:
        print(f"cannot load packs:\n{exc}", file=sys.stderr)
        return 2
    try:
        errors = grade_lines(sys.stdin, sys.stdout, questions, args.grader)
    except UnknownGraderError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 1 if errors else 0


def run_grade_eval(args: argparse.Namespace) -> int:
    """Handler of ``interviewprep grade eval``."""
    try:
        data = load_eval_set(args.path).select(args.split)
    except (EvalSetError, PackError, OSError) as exc:
        print(f"cannot load the evaluation set: {exc}", file=sys.stderr)
        return 2
    for name in args.graders or ["offline"]:
        try:
            grader = make_grader(name)
        except UnknownGraderError as exc:
            print(f"grader {name}: skipped ({exc})", file=sys.stderr)
            continue
        outcomes = run_eval(grader, data)
        print(format_metrics(name, args.split, metrics(outcomes)))
        if args.show_misgraded:
            for line in misgraded(outcomes):
                print("   ", line)
        print()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the grade command on its own: ``python -m interviewprep.grading.cli grade ...``."""
    parser = argparse.ArgumentParser(prog="interviewprep")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
