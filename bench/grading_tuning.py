"""The offline grader on the tuning sets, including the "one phrasing" variant.

    python bench/grading_tuning.py [--show-misgraded SET ...] [--sets SET ...] [--grader NAME]

Prints one summary row per tuning set, all on the ``dev`` split only (this script
never grades held-out answers): ``dev`` (``eval/grading``), ``tuning/``,
``tuning-bank/``, ``one-phrasing`` (the ``tuning-bank/`` answers graded against rubrics
cut to the key point text and its first phrasing, which imitates the held-out questions:
about two wordings per key point, against up to five in the shipped bank), ``fresh``
(``tuning-fresh/``: answers written from the prompts alone), ``fresh-one-phrasing``, and
the blind checks ``fresh2`` and ``fresh3`` (``tuning-fresh2/``, ``tuning-fresh3/``) and
``fresh4`` (``tuning-fresh4/``, tuned on) with their ``-one-phrasing`` variants.
``--show-misgraded`` lists the misgraded answers of the named sets; ``--sets`` prints
only the named sets (so a blind set's row need not be printed while tuning).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from interviewprep.bank.schema import Behavioural, OpenQuestion, Question
from interviewprep.grading.evaluation import (
    EvalSet,
    Metrics,
    load_eval_set,
    metrics,
    misgraded,
    run_eval,
)
from interviewprep.grading.registry import GRADER_NAMES, make_grader

ROOT = Path(__file__).resolve().parents[1]
SETS = (
    "dev",
    "tuning",
    "tuning-bank",
    "one-phrasing",
    "fresh",
    "fresh-one-phrasing",
    "fresh2",
    "fresh2-one-phrasing",
    "fresh3",
    "fresh3-one-phrasing",
    "fresh4",
    "fresh4-one-phrasing",
)


def one_phrasing(question: Question) -> Question:
    """``question`` with each key point cut to its text and first phrasing."""
    if not isinstance(question, OpenQuestion | Behavioural):
        return question
    points = [k.model_copy(update={"phrasings": k.phrasings[:1]}) for k in question.key_points]
    return question.model_copy(update={"key_points": points})


def _cut(data: EvalSet) -> EvalSet:
    return EvalSet({qid: one_phrasing(q) for qid, q in data.questions.items()}, data.items)


def load_sets() -> dict[str, EvalSet]:
    """The tuning sets, dev split only."""
    bank = load_eval_set(ROOT / "eval/grading/tuning-bank").select("dev")
    fresh = load_eval_set(ROOT / "eval/grading/tuning-fresh").select("dev")
    fresh2 = load_eval_set(ROOT / "eval/grading/tuning-fresh2").select("dev")
    fresh3 = load_eval_set(ROOT / "eval/grading/tuning-fresh3").select("dev")
    fresh4 = load_eval_set(ROOT / "eval/grading/tuning-fresh4").select("dev")
    return {
        "dev": load_eval_set(ROOT / "eval/grading").select("dev"),
        "tuning": load_eval_set(ROOT / "eval/grading/tuning").select("dev"),
        "tuning-bank": bank,
        "one-phrasing": _cut(bank),
        "fresh": fresh,
        "fresh-one-phrasing": _cut(fresh),
        "fresh2": fresh2,
        "fresh2-one-phrasing": _cut(fresh2),
        "fresh3": fresh3,
        "fresh3-one-phrasing": _cut(fresh3),
        "fresh4": fresh4,
        "fresh4-one-phrasing": _cut(fresh4),
    }


def _pct(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:6.1%}"


def row(name: str, m: Metrics) -> str:
    """One summary row: pass/fail, three-way, AUC, must-fail, paraphrases, rambling."""
    rambling = m.kinds.get("rambling") or m.kinds.get("long")
    return (
        f"{name:<20} n={m.n:<4} pass/fail {_pct(m.pass_fail_accuracy)}"
        f"  3-way {_pct(m.three_way_accuracy)}  AUC {m.auc or 0:.3f}"
        f"  neg+kw fail {_pct(m.must_fail_rate)} (not passed {_pct(m.must_fail_not_pass_rate)})"
        f"  paraphrases {_pct(m.paraphrase_pass_rate)}"
        f"  rambling {_pct(rambling[2] if rambling else None)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grader", default="offline", choices=GRADER_NAMES)
    parser.add_argument("--show-misgraded", nargs="*", choices=SETS, default=[])
    parser.add_argument("--kind", help="with --show-misgraded: only this kind")
    parser.add_argument("--sets", nargs="*", choices=SETS, help="only these sets (default all)")
    args = parser.parse_args()
    grader = make_grader(args.grader)
    for name, data in load_sets().items():
        if args.sets and name not in args.sets:
            continue
        outcomes = run_eval(grader, data)
        print(row(name, metrics(outcomes)))
        if name in args.show_misgraded:
            for line in misgraded(outcomes):
                if not args.kind or f"[{args.kind}]" in line:
                    print("   ", line)


if __name__ == "__main__":
    main()
