"""Daily-queue selection for one person as the review history grows to 1M rows.

    python bench/queue_selection.py [--sizes 10000 100000 1000000] [--database-url ...]

The person has a card for every question in the built-in bank (some due) and a long
history; rows are bulk-inserted between measurements. Each figure is the median of
25 calls of ``Practice.queue(person, limit=10)`` (the same planning ``next_question``
does). Target (issue #2): flat within 1.5x from 10k to 1M rows.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, insert, select

from common import database_argument, fresh_engine
from interviewprep.app import load_packs
from interviewprep.config import load_settings
from interviewprep.domain.clock import FixedClock
from interviewprep.grading import default_grader
from interviewprep.services.practice import Practice
from interviewprep.storage.tables import Attempt, CardRow, Review
from interviewprep.storage.uow import UnitOfWorkFactory

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)
BATCH = 20_000


def seed_cards(engine: Engine, person: int, question_ids: list[str]) -> None:
    rows = [
        {
            "person_id": person,
            "question_id": qid,
            "due": NOW + timedelta(days=(i % 20) - 5),
            "state": 2,
            "step": None,
            "stability": 3.0 + i % 40,
            "difficulty": 5.0,
            "last_review": NOW - timedelta(days=10),
            "reps": 3,
            "lapses": i % 3,
            "introduced_on": date(2026, 1, 1),
        }
        for i, qid in enumerate(question_ids)
    ]
    with engine.begin() as connection:
        connection.execute(insert(CardRow), rows)


def grow_history(engine: Engine, persons: list[int], question_ids: list[str], count: int) -> None:
    """Add ``count`` attempts + reviews, spread over the persons and the last 3 years."""
    with engine.connect() as connection:
        start = int(connection.execute(select(func.count()).select_from(Review)).scalar_one())
    done = 0
    while done < count:
        n = min(BATCH, count - done)
        attempts, reviews = [], []
        for k in range(n):
            i = start + done + k
            person = persons[i % len(persons)]
            when = NOW - timedelta(days=1 + (i % 1000), minutes=i % 1440)
            attempts.append(
                {
                    "person_id": person,
                    "question_id": question_ids[i % len(question_ids)],
                    "asked_at": when,
                    "asked_on": when.date(),
                    "status": "answered",
                    "source": "bench",
                    "hints_used": 0,
                    "closed_at": when,
                }
            )
        with engine.begin() as connection:
            ids = (
                connection.execute(
                    insert(Attempt).returning(Attempt.id, sort_by_parameter_order=True), attempts
                )
                .scalars()
                .all()
            )
            for attempt_id, row in zip(ids, attempts, strict=True):
                reviews.append(
                    {
                        "person_id": row["person_id"],
                        "question_id": row["question_id"],
                        "attempt_id": attempt_id,
                        "answered_at": row["asked_at"],
                        "local_date": row["asked_on"],
                        "answer": "an answer of a realistic length " * 4,
                        "score": 0.7,
                        "grader": "bench",
                        "key_points": [],
                        "suggested_rating": 3,
                        "rating": 3,
                        "card_before": {},
                        "revealed": False,
                    }
                )
            connection.execute(insert(Review), reviews)
        done += n


def measure(practice: Practice, person: int, runs: int = 25) -> float:
    for _ in range(5):  # warm the caches after a bulk load
        practice.queue(person, limit=10)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        practice.queue(person, limit=10)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    database_argument(parser)
    args = parser.parse_args()
    engine, label, cleanup = fresh_engine(args.database_url)
    bank = load_packs(load_settings())
    practice = Practice(UnitOfWorkFactory(engine), bank, default_grader(), clock=FixedClock(NOW))
    question_ids = [q.id for q in bank]
    target = practice.enrol("bench", "target")
    practice.update_settings(target, level="senior")
    others = [practice.enrol("bench", str(i)) for i in range(99)]
    seed_cards(engine, target, question_ids)
    # half of all history belongs to the measured person, the rest to 99 others
    persons = [target] * 99 + others
    print(f"{label}: {len(question_ids)} cards for the person; queue(limit=10), median of 25")
    previous = 0
    baseline = None
    for size in sorted(args.sizes):
        t0 = time.perf_counter()
        grow_history(engine, persons, question_ids, size - previous)
        seeded = time.perf_counter() - t0
        previous = size
        ms = measure(practice, target)
        baseline = baseline or ms
        print(
            f"  {size:>9,} review rows: {ms:7.2f} ms ({ms / baseline:.2f}x)"
            f"   [seeding took {seeded:.1f} s]"
        )
    cleanup()


if __name__ == "__main__":
    main()
