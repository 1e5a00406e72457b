"""Reads over a long history, and what each answer pays to keep them short.

    python bench/history_reads.py [--members 200] [--days 180] [--per-day 5]
                                  [--calls 20] [--database-url postgresql://...]

Seeds one server group of ``--members`` members with ``--per-day`` answers each on each
of the last ``--days`` days (bulk-inserted attempts and reviews, not timed; the
database's triggers count them as they would live answers), then times, as medians of
five runs of ``--calls`` calls each:

* the server streak (``Groups.streak_of``), as ``/streak``, ``/leaderboard`` and each
  daily post read it;
* the leaderboard's 20 shown rows, this week and of all time (``Groups.leaderboard``);
* one member's own streak and stats (``Practice.streak_of``, ``Practice.stats_of``).

Then the write side: an attempt, its review and the commit, as an answer writes them,
for members' first answers of a new day and for a second answer on the same day, on a
fresh database at the current schema (the kept counts' triggers) and at revision 0004
(before them). The same script runs against an older tree (``PYTHONPATH=<tree>/src``),
whose services read the reviews directly.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from common import database_argument, fresh_engine
from interviewprep.app import assemble, load_packs
from interviewprep.config import load_settings
from interviewprep.domain.clock import FixedClock
from interviewprep.grading import default_grader
from interviewprep.storage import db
from interviewprep.storage.tables import attempts, reviews

NOW = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # a Monday: this week is one day old


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--per-day", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--writes", type=int, default=2000, help="answers per write figure")
    database_argument(parser)
    args = parser.parse_args()

    engine, label, cleanup = fresh_engine(args.database_url)
    settings = load_settings(fuzz_intervals=False)
    app = assemble(settings, engine, load_packs(settings), default_grader(), FixedClock(NOW))
    try:
        group = app.groups.setup(
            "discord", "900", channel_id="901", name="Bench", timezone="UTC", delivery_time="09:00"
        )
        people = [
            app.practice.enrol("discord", str(1000 + i), f"m{i}") for i in range(args.members)
        ]
        for person in people:
            app.groups.join(group.id, person)
        questions = [q.id for q in app.bank][:300]
        began = time.perf_counter()
        count = _seed(engine, people, questions, args.days, args.per_day)
        print(
            f"{label}: {args.members} members x {args.days} days x {args.per_day} answers "
            f"= {count:,} reviews (seeded in {time.perf_counter() - began:.0f} s)"
        )
        first = str(1000)
        reads: dict[str, Callable[[], Any]] = {
            "server streak (Groups.streak_of)": lambda: app.groups.streak_of("discord", "900"),
            "leaderboard, week, 20 rows": lambda: app.groups.leaderboard(group.id, "week", 20),
            "leaderboard, all time, 20 rows": lambda: app.groups.leaderboard(group.id, "all", 20),
            "a member's streak (streak_of)": lambda: app.practice.streak_of("discord", first),
            "a member's stats (stats_of)": lambda: app.practice.stats_of("discord", first),
        }
        print(f"  {'read':<34} {'ms/call':>8}")
        for name, read in reads.items():
            read()  # warm the statement caches
            runs = []
            for _ in range(5):
                start = time.perf_counter()
                for _ in range(args.calls):
                    read()
                runs.append((time.perf_counter() - start) / args.calls * 1000)
            print(f"  {name:<34} {statistics.median(runs):8.3f}")
    finally:
        app.close()
        cleanup()
    head = db.head_revision()
    for revision in (head, "0004") if head != "0004" else (head,):
        first_s, again_s = _writes(args.database_url, revision, args.writes)
        print(
            f"  write at {revision}: first answer of a day {first_s * 1e6:.0f} us, "
            f"another the same day {again_s * 1e6:.0f} us (attempt + review + commit)"
        )


def _seed(engine: Engine, people: list[int], questions: list[str], days: int, per: int) -> int:
    """Answered attempts and their reviews, ``per`` a day for each person; returns the count."""
    count = 0
    with engine.begin() as connection:
        next_id = 1_000_000
        for day in range(days):
            moment = NOW - timedelta(days=day)
            asked, answered = [], []
            for person in people:
                for k in range(per):
                    next_id += 1
                    question = questions[(day * per + k + person) % len(questions)]
                    asked.append(_attempt(next_id, person, question, moment))
                    answered.append(_review(next_id, person, question, moment, 1 + k % 4))
            connection.execute(insert(attempts), asked)
            connection.execute(insert(reviews), answered)
            count += len(answered)
    return count


def _attempt(attempt_id: int, person: int, question: str, moment: datetime) -> dict[str, Any]:
    return {
        "id": attempt_id,
        "person_id": person,
        "question_id": question,
        "asked_at": moment,
        "asked_on": moment.date(),
        "status": "answered",
    }


def _review(
    attempt_id: int, person: int, question: str, moment: datetime, rating: int
) -> dict[str, Any]:
    return {
        "person_id": person,
        "question_id": question,
        "attempt_id": attempt_id,
        "answered_at": moment,
        "local_date": moment.date(),
        "answer": "",
        "key_points": [],
        "card_before": {},
        "rating": rating,
    }


def _writes(url: str | None, revision: str, n: int) -> tuple[float, float]:
    """Seconds per answer written in its own transaction, on a fresh database migrated to
    ``revision``: each of ``n`` members' first answer of the day, then a second one each."""
    engine, _, cleanup = fresh_engine(url, revision=revision)
    settings = load_settings(fuzz_intervals=False)
    app = assemble(settings, engine, load_packs(settings), default_grader(), FixedClock(NOW))
    try:
        group = app.groups.setup(
            "discord", "901", channel_id="902", name="Writes", timezone="UTC", delivery_time="09:00"
        )
        people = [app.practice.enrol("discord", str(5000 + i), f"w{i}") for i in range(n)]
        for person in people:
            app.groups.join(group.id, person)
        figures = []
        next_id = 0
        for _ in range(2):
            start = time.perf_counter()
            for person in people:
                next_id += 1
                with engine.begin() as connection:
                    connection.execute(insert(attempts), _attempt(next_id, person, "q", NOW))
                    connection.execute(insert(reviews), _review(next_id, person, "q", NOW, 3))
            figures.append((time.perf_counter() - start) / n)
        return figures[0], figures[1]
    finally:
        app.close()
        cleanup()


if __name__ == "__main__":
    main()
