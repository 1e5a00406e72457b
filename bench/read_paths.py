"""Cost per call of the service reads the Discord commands make, single-threaded.

    python bench/read_paths.py [--people 200] [--days 20] [--calls 2000] [--profile NAME[,NAME]]
                               [--database-url postgresql://...]

Seeds a database through the real services (people enrolled from Discord, a server
group they all joined, ``--days`` days of daily practice with some days missed), then
times each read the commands make: person lookup by platform identity, settings,
``Practice.streak``, ``Groups.streak``, ``Practice.stats``, ``Groups.find`` and the
leaderboard (every member, and the 20 rows Discord shows where the service can limit).
``--profile NAME`` prints a cProfile of that read (top functions by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import pstats
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from answer_pipeline import answer_for
from common import database_argument, fresh_engine
from interviewprep.app import assemble, load_packs
from interviewprep.config import load_settings
from interviewprep.domain.clock import FixedClock
from interviewprep.grading import default_grader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--profile", default=None)
    database_argument(parser)
    args = parser.parse_args()

    engine, label, cleanup = fresh_engine(args.database_url)
    settings = load_settings(fuzz_intervals=False)
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    clock = FixedClock(start)
    app = assemble(settings, engine, load_packs(settings), default_grader(), clock)
    try:
        group = app.groups.setup(
            "discord", "900", channel_id="901", name="Bench", timezone="UTC", delivery_time="09:00"
        )
        people = [app.practice.enrol("discord", str(1000 + i), f"m{i}") for i in range(args.people)]
        for person in people:
            app.groups.join(group.id, person)
        seeded = time.perf_counter()
        answers = 0
        for day in range(args.days):
            clock.now = start + timedelta(days=day)
            for i, person in enumerate(people):
                if (i + day) % 9 == 0:
                    continue  # a missed day now and then
                view = app.practice.next_question(person)
                if view is None:
                    continue
                question = app.bank.get(view.question_id)
                app.practice.submit_answer(person, view.attempt_id, answer_for(question))
                answers += 1
        clock.now = start + timedelta(days=args.days - 1, hours=3)
        print(
            f"{label}: {args.people} people, {answers} answers over {args.days} days "
            f"(seeded in {time.perf_counter() - seeded:.1f} s)"
        )
        externals = [str(1000 + i) for i in range(args.people)]
        practice, groups = app.practice, app.groups

        reads: dict[str, Callable[[int], Any]] = {
            "find_person": lambda i: practice.find_person("discord", externals[i]),
            "settings": lambda i: practice.settings(people[i]),
            "Practice.streak": lambda i: practice.streak(people[i]),
            "Groups.streak": lambda i: groups.streak(group.id),
            "Practice.stats": lambda i: practice.stats(people[i]),
            "Groups.find": lambda i: groups.find("discord", "900"),
            "Groups.leaderboard": lambda i: groups.leaderboard(group.id),
        }
        reads.update(_extra_reads(app, externals))
        if args.profile:
            for name in args.profile.split(","):
                print(f"==== profile of {name} ({args.calls} calls)")
                read = reads[name]
                profiler = cProfile.Profile()
                profiler.enable()
                for n in range(args.calls):
                    read(n % args.people)
                profiler.disable()
                stats = pstats.Stats(profiler)
                stats.sort_stats("cumulative").print_stats(40)
                stats.sort_stats("tottime").print_stats(20)
            return
        print(f"{'read':<24} {'us/call':>8}")
        for name, read in reads.items():
            calls = args.calls if "leaderboard" not in name else max(args.calls // 10, 1)
            for n in range(min(calls, 50)):  # warm the statement caches
                read(n % args.people)
            began = time.perf_counter()
            for n in range(calls):
                read(n % args.people)
            each = (time.perf_counter() - began) / calls * 1e6
            print(f"{name:<24} {each:8.0f}")
    finally:
        app.close()
        cleanup()


def _extra_reads(app: Any, externals: list[str]) -> dict[str, Callable[[int], Any]]:
    """Reads by platform identity, where the services offer them."""
    out: dict[str, Callable[[int], Any]] = {}
    practice, groups = app.practice, app.groups
    if "limit" in inspect.signature(groups.leaderboard).parameters:
        group = groups.find("discord", "900")
        out["Groups.leaderboard top 20"] = lambda i: groups.leaderboard(group.id, limit=20)
    if hasattr(practice, "streak_of"):
        out["Practice.streak_of"] = lambda i: practice.streak_of("discord", externals[i])
    if hasattr(practice, "stats_of"):
        out["Practice.stats_of"] = lambda i: practice.stats_of("discord", externals[i])
    return out


if __name__ == "__main__":
    main()
