"""The in-process answer pipeline: grade + schedule + persist, one transaction per answer.

    python bench/answer_pipeline.py [--answers 5000] [--database-url postgresql://...]

Questions are put to people first (not timed); then every answer goes through
``Practice.submit_answer`` with the real default grader, as the bots call it.
Target (issue #2): >= 2,000 answers/s on one core with a file SQLite database.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from datetime import UTC, datetime

from common import database_argument, fresh_engine
from interviewprep.app import load_packs
from interviewprep.bank.schema import (
    Behavioural,
    MultipleChoice,
    OpenQuestion,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from interviewprep.config import load_settings
from interviewprep.domain.clock import FixedClock
from interviewprep.grading import default_grader
from interviewprep.services.practice import Practice
from interviewprep.storage.uow import UnitOfWorkFactory


def answer_for(question: object) -> str:
    """A plausible answer of the right shape for each question type."""
    if isinstance(question, SingleChoice | MultipleChoice):
        return "1"
    if isinstance(question, TrueFalse):
        return "true"
    if isinstance(question, ShortAnswer):
        return question.accepted[0]
    if isinstance(question, OpenQuestion | Behavioural):
        return question.model_answer
    raise TypeError(question)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=5000)
    database_argument(parser)
    args = parser.parse_args()

    engine, label, cleanup = fresh_engine(args.database_url)
    bank = load_packs(load_settings(builtin_packs=True))
    clock = FixedClock(datetime(2026, 6, 1, 9, tzinfo=UTC))
    practice = Practice(UnitOfWorkFactory(engine), bank, default_grader(), clock=clock)
    questions = list(bank)
    people = [
        practice.enrol("bench", str(i)) for i in range(max(args.answers // len(questions), 1) + 1)
    ]
    work = []
    pairs = itertools.product(people, questions)
    for person, question in itertools.islice(pairs, args.answers):
        view = practice.ask(person, question.id)
        work.append((person, view.attempt_id, answer_for(question), question.type.value))

    latencies: dict[str, list[float]] = {}
    started = time.perf_counter()
    for person, attempt_id, answer, kind in work:
        t0 = time.perf_counter()
        practice.submit_answer(person, attempt_id, answer)
        latencies.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    every = sorted(v for values in latencies.values() for v in values)
    print(f"{label}: {len(work)} answers in {elapsed:.2f} s = {len(work) / elapsed:,.0f} answers/s")
    print(
        f"  latency p50 {statistics.median(every):.2f} ms,"
        f" p95 {every[int(len(every) * 0.95)]:.2f} ms"
    )
    for kind, values in sorted(latencies.items()):
        print(f"  {kind:<16} n={len(values):<5} mean {statistics.fmean(values):.2f} ms")
    cleanup()


if __name__ == "__main__":
    main()
