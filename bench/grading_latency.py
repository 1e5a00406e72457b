"""Grading latency: ``python bench/grading_latency.py [--grader NAME] [--repeat N]``.

Grades every answer of the evaluation set (eval/grading), the model answer of every
open and behavioural question of the shipped bank (the answer length the bots see
most), plus 4,000- and 100,000-character answers, and prints p50/mean/p95/max per
kind of input. The first grade of each question is reported separately (cold rubric
caches).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from time import perf_counter

from interviewprep.bank.loader import builtin_pack_dir, load_bank
from interviewprep.bank.schema import Behavioural, OpenQuestion
from interviewprep.grading.evaluation import load_eval_set, percentile
from interviewprep.grading.registry import GRADER_NAMES, make_grader

ROOT = Path(__file__).resolve().parents[1]


def _line(label: str, values: list[float]) -> str:
    if not values:
        return f"{label:<28} n=0"
    return (
        f"{label:<28} n={len(values):<5} p50 {statistics.median(values):7.2f} ms   "
        f"mean {statistics.fmean(values):7.2f} ms   "
        f"p95 {percentile(values, 0.95):7.2f} ms   max {max(values):7.2f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grader", default="offline", choices=GRADER_NAMES)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    start = perf_counter()
    grader = make_grader(args.grader)
    print(f"grader {args.grader}: built in {(perf_counter() - start) * 1000:.0f} ms")
    data = load_eval_set(ROOT / "eval" / "grading")
    cold: list[float] = []
    warm: list[float] = []
    seen: set[str] = set()
    for _ in range(args.repeat):
        for item in data.items:
            question = data.questions[item.question_id]
            t = perf_counter()
            grader.grade(question, item.answer)
            elapsed = (perf_counter() - t) * 1000
            (warm if item.question_id in seen else cold).append(elapsed)
            seen.add(item.question_id)
    print(_line("eval answers, first grade", cold))
    print(_line("eval answers, warm", warm))
    bank = [q for q in load_bank([builtin_pack_dir()]) if isinstance(q, OpenQuestion | Behavioural)]
    for question in bank:
        grader.grade(question, question.model_answer)  # compile the rubrics first
    for label, kind in (("open", OpenQuestion), ("behavioural", Behavioural)):
        times = []
        for _ in range(args.repeat):
            for question in (q for q in bank if isinstance(q, kind)):
                t = perf_counter()
                grader.grade(question, question.model_answer)
                times.append((perf_counter() - t) * 1000)
        print(_line(f"model answers, {label}", times))
    open_questions = [q for q in data.questions.values() if isinstance(q, OpenQuestion)]
    sentence = "Repeating the request leaves the server state unchanged, but POST is not. "
    for size in (4_000, 100_000):
        answer = (sentence * (size // len(sentence) + 1))[:size]
        times = []
        for question in open_questions:
            t = perf_counter()
            grader.grade(question, answer)
            times.append((perf_counter() - t) * 1000)
        print(_line(f"{size:,}-character answers", times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
