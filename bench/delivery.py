"""The delivery engine: planning a tick, fan-out at a rate limit, two workers on one database.

    python bench/delivery.py [--only plan fanout workers] [--repeat 3]
        [--recipients 100000] [--fanout 600] [--shared 10000]
        [--pg postgresql://postgres@127.0.0.1:5432/test | --no-pg]
        [--small-bank] [--profile]

Recipients are persons with a private chat each, spread over every IANA zone of
``zoneinfo.available_timezones()`` with delivery times spread over the day. They are
bulk-inserted (not timed), with ``next_at`` / ``remind_at`` computed by
``services.subscriptions.person_times`` exactly as ``Subscriptions.subscribe`` does.
Each figure is the median of ``--repeat`` runs.

1. **plan**: ``DeliveryEngine.plan(now)`` with ``EngineConfig(batch=100_000)`` (one
   claim pass) over 100,000 recipients on a SQLite file and on PostgreSQL, at the
   instant when most local delivery times have come (about 58% of the daily questions
   and 24% of the reminders are due, as after an outage since local midnight); then
   the next tick (30 s later, nothing due). Target (issue #5): < 2 s.
2. **fanout**: ``DeliveryEngine.tick()`` sends 600 due daily questions through a fake
   sender that enforces 30 messages/s in a sliding 1-second window (and 1 message/s
   per chat), raising ``RetryLater`` when exceeded; 20-50 ms of simulated network
   latency per send. Target: >= 95% of the limit, 0 limit errors.
3. **workers**: two engine processes (spawn), each with its own worker id, tick one
   PostgreSQL schema with 10,000 due recipients until nothing is left; each appends
   the chat ids it sent to its own file. Target: exactly 10,000 sends, no duplicates.

PostgreSQL comes from ``--pg``, else ``INTERVIEWPREP_TEST_DATABASE_URL``, else the
default above; each run gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import functools
import multiprocessing
import os
import pstats
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time as dt_time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import Engine, func, insert, select, text

from common import fresh_engine, schema_engine
from interviewprep.app import App, assemble, load_packs
from interviewprep.bank.loader import Bank, load_bank
from interviewprep.config import load_settings
from interviewprep.delivery.engine import DeliveryEngine, EngineConfig
from interviewprep.delivery.messages import Outgoing, RateLimits, RetryLater
from interviewprep.domain import timing
from interviewprep.domain.clock import FixedClock, local_date
from interviewprep.grading import default_grader
from interviewprep.services.subscriptions import person_times
from interviewprep.storage.tables import Delivery, Person, Recipient

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
PLATFORM = "telegram"
# The tick: 20:00 UTC is when the largest share of local delivery times (uniform over
# the day, in every zone) has come today, about 58%.
NOW = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=30)
CHUNK = 20_000
TEST_PACKS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "packs"

_p = Person.__table__  # type: ignore[attr-defined]
_r = Recipient.__table__  # type: ignore[attr-defined]
_d = Delivery.__table__  # type: ignore[attr-defined]


# ------------------------------------------------------------------ set-up


@functools.cache
def bank(small: bool = False) -> Bank:
    """The built-in bank, or with ``small`` the 13-question test pack."""
    return load_bank([TEST_PACKS]) if small else load_packs(load_settings(builtin_packs=True))


def make_app(engine: Engine, clock: FixedClock, small_bank: bool = False) -> App:
    """The real services over ``engine`` (as the bots build them)."""
    settings = load_settings(builtin_packs=not small_bank, fuzz_intervals=False)
    return assemble(settings, engine, bank(small_bank), default_grader(), clock)


def seed(engine: Engine, count: int, *, due_only: bool = False) -> None:
    """``count`` persons, each with a private-chat recipient, as the engine left them.

    Zones cycle through every IANA zone and delivery times are random minutes of the
    day. ``next_at`` / ``remind_at`` are what ``person_times`` gives at the end of each
    person's previous local day: today's local slots. So at NOW every slot that has
    passed today is due at once, as after a restart following an outage since local
    midnight (no missed days). With ``due_only``, people whose delivery time has not
    come by NOW are not kept, so that all ``count`` daily questions are due.
    """
    names = sorted(available_timezones())
    zones = {name: ZoneInfo(name) for name in names}  # held: seeding is not measured
    rnd = random.Random(5)
    base = Person(created_at=CREATED).model_dump(exclude={"id"})
    people: list[dict[str, Any]] = []
    due: list[tuple[datetime, datetime | None]] = []
    i = 0
    while len(people) < count:
        minute = rnd.randrange(24 * 60)
        zone = zones[names[i % len(names)]]
        row = {
            **base,
            "display_name": f"bench {i}",
            "timezone": zone.key,
            "delivery_time": f"{minute // 60:02d}:{minute % 60:02d}",
        }
        i += 1
        last_night = timing.instant(local_date(NOW, zone), dt_time(0), zone) - timedelta(seconds=1)
        # what Subscriptions.subscribe would store then
        next_at, remind_at = person_times(Person(**row), last_night, today_if_passed=False)
        if due_only and next_at > NOW:
            continue
        people.append(row)
        due.append((next_at, remind_at))
    with engine.begin() as connection:
        for start in range(0, count, CHUNK):
            connection.execute(insert(_p), people[start : start + CHUNK])
        ids = connection.execute(select(_p.c.id).order_by(_p.c.id)).scalars().all()
        recipients = [
            {
                "kind": "person",
                "platform": PLATFORM,
                "chat_id": str(pid),
                "person_id": pid,
                "group_id": None,
                "active": True,
                "paused": False,
                "reason": None,
                "next_at": next_at,
                "remind_at": remind_at,
                "created_at": CREATED,
            }
            for pid, (next_at, remind_at) in zip(ids, due, strict=True)
        ]
        for start in range(0, count, CHUNK):
            connection.execute(insert(_r), recipients[start : start + CHUNK])
    analyze(engine)


def analyze(engine: Engine) -> None:
    """Fresh planner statistics (autovacuum would have them in production)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE persons, recipients, deliveries"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


class NullSender:
    """Accepts everything at once (the plan benchmark sends nothing)."""

    platform = PLATFORM
    limits = RateLimits(per_second=0, per_chat_interval=0)

    async def send(self, message: Outgoing) -> str | None:
        return None


def median(values: list[float]) -> float:
    return statistics.median(values)


def pg_url(args: argparse.Namespace) -> str | None:
    if args.no_pg:
        return None
    return args.pg or os.environ.get("INTERVIEWPREP_TEST_DATABASE_URL") or PG_DEFAULT


# -------------------------------------------------------------- 1. plan


def bench_plan(url: str | None, args: argparse.Namespace) -> dict[str, Any]:
    engine, label, cleanup = fresh_engine(url, f"bench_delivery_{uuid.uuid4().hex[:8]}")
    try:
        t0 = time.perf_counter()
        seed(engine, args.recipients)
        seeded = time.perf_counter() - t0
        with engine.begin() as connection:  # to put the due instants back between runs
            connection.execute(text("DROP TABLE IF EXISTS bench_due"))
            connection.execute(
                text("CREATE TABLE bench_due AS SELECT id, next_at, remind_at FROM recipients")
            )
            connection.execute(text("CREATE UNIQUE INDEX bench_due_id ON bench_due (id)"))
            due_daily = connection.execute(
                select(func.count()).select_from(_r).where(_r.c.next_at <= NOW)
            ).scalar_one()
            due_remind = connection.execute(
                select(func.count()).select_from(_r).where(_r.c.remind_at <= NOW)
            ).scalar_one()
        clock = FixedClock(NOW)
        worker = DeliveryEngine(
            make_app(engine, clock), config=EngineConfig(batch=100_000), worker_id="bench"
        )
        worker.register(NullSender())
        firsts: list[float] = []
        seconds: list[float] = []
        claimed: collections.Counter[str] = collections.Counter()
        for run in range(args.repeat):
            if run:
                reset(engine)
            clock.now = NOW
            profile = cProfile.Profile() if args.profile and run == 0 else None
            started = time.perf_counter()
            if profile:
                profile.enable()
            claims = worker.plan(NOW)
            if profile:
                profile.disable()
            firsts.append(time.perf_counter() - started)
            claimed = collections.Counter(c.kind for c in claims)
            clock.now = NOW + timedelta(seconds=30)
            seconds.append(asyncio.run(timed_tick(worker)))
            if profile:
                print(f"--- profile of plan() on {label} ---")
                pstats.Stats(profile).sort_stats("cumulative").print_stats(18)
        print(
            f"plan, {label}:"
            f" {args.recipients:,} recipients (seeded in {seeded:.1f} s),"
            f" due: {due_daily:,} daily + {due_remind:,} reminders;"
            f" claimed {claimed['daily']:,} daily + {claimed['reminder']:,} reminders"
        )
        print(
            f"  plan() {fmt_runs(firsts)} s"
            f"  |  next tick {fmt_runs([s * 1000 for s in seconds])} ms"
        )
        return {
            "label": label,
            "plan": median(firsts),
            "next": median(seconds),
            "daily": claimed["daily"],
            "reminder": claimed["reminder"],
            "due": due_daily,
        }
    finally:
        cleanup()


async def timed_tick(worker: DeliveryEngine) -> float:
    started = time.perf_counter()
    report = await worker.tick()
    assert report.claimed == report.retried == report.sent == 0, report
    return time.perf_counter() - started


def reset(engine: Engine) -> None:
    """Back to the state before the first plan: no deliveries, the seeded due instants."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM deliveries"))
        connection.execute(
            text(
                "UPDATE recipients SET"
                " next_at = (SELECT b.next_at FROM bench_due b WHERE b.id = recipients.id),"
                " remind_at = (SELECT b.remind_at FROM bench_due b WHERE b.id = recipients.id)"
            )
        )
    analyze(engine)


def fmt_runs(values: list[float]) -> str:
    runs = ", ".join(f"{v:.3f}" if v < 10 else f"{v:.1f}" for v in values)
    return f"median {median(values):.3f} (runs {runs})"


# ------------------------------------------------------------ 2. fan-out


class LimitedSender:
    """A platform that allows ``per_second`` messages in any 1-second window.

    The window is checked when a request leaves (the moment the engine calls ``send``);
    a send over the limit raises ``RetryLater`` and counts a limit error, as a 429 would.
    A second message to one chat within ``per_chat`` seconds is refused the same way.
    """

    platform = PLATFORM

    def __init__(self, per_second: int = 30, per_chat: float = 1.0) -> None:
        self.per_second = per_second
        self.per_chat = per_chat
        self.limits = RateLimits(per_second=per_second, per_chat_interval=per_chat)
        self.window: collections.deque[float] = collections.deque()
        self.last: dict[str, float] = {}
        self.sent: list[float] = []
        self.limit_errors = 0
        self.chat_errors = 0
        self.random = random.Random(11)

    async def send(self, message: Outgoing) -> str | None:
        now = time.monotonic()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= self.per_second:
            self.limit_errors += 1
            raise RetryLater(1.0 - (now - self.window[0]))
        chat = message.address.chat_id
        if chat in self.last and now - self.last[chat] < self.per_chat:
            self.chat_errors += 1
            raise RetryLater(self.per_chat - (now - self.last[chat]))
        self.window.append(now)
        self.last[chat] = now
        await asyncio.sleep(self.random.uniform(0.020, 0.050))  # the round trip
        self.sent.append(now)
        return str(len(self.sent))


def bench_fanout(args: argparse.Namespace) -> dict[str, Any]:
    rates: list[float] = []
    overall: list[float] = []
    errors: list[int] = []
    chat_errors: list[int] = []
    sent: list[int] = []
    label = ""
    for _ in range(args.repeat):
        engine, label, cleanup = fresh_engine(None)
        try:
            seed(engine, args.fanout, due_only=True)
            app = make_app(engine, FixedClock(NOW), args.small_bank)
            worker = DeliveryEngine(app, worker_id="bench")
            sender = LimitedSender()
            worker.register(sender)
            started = time.monotonic()
            report = asyncio.run(worker.tick())
            elapsed = time.monotonic() - started
        finally:
            cleanup()
        span = sender.sent[-1] - sender.sent[0]
        rates.append((len(sender.sent) - 1) / span)
        overall.append(len(sender.sent) / elapsed)
        errors.append(sender.limit_errors)
        chat_errors.append(sender.chat_errors)
        sent.append(report.sent)
        assert report.sent == args.fanout == len(sender.sent), report
    limit = 30
    which = "13-question test pack" if args.small_bank else f"built-in bank ({len(bank())} q)"
    print(
        f"fan-out, {label}, {which}: {args.fanout} daily questions, limit {limit}/s sliding window,"
        f" 20-50 ms latency: {median(rates):.2f} msgs/s = {median(rates) / limit:.1%} of the limit"
        f" (runs {', '.join(f'{r:.2f}' for r in rates)}), limit errors {errors},"
        f" per-chat errors {chat_errors}; whole tick incl. plan {median(overall):.2f} msgs/s"
    )
    return {
        "rate": median(rates),
        "share": median(rates) / limit,
        "overall": median(overall),
        "errors": max(errors),
        "chat_errors": max(chat_errors),
    }


# ------------------------------------------------------------ 3. workers


class FileSender:
    """Fast and unlimited; appends every chat id it sends to to its own file."""

    platform = PLATFORM
    limits = RateLimits(per_second=0, per_chat_interval=0)  # no spacing at all

    def __init__(self, path: Path) -> None:
        self.file = path.open("a", encoding="utf-8")

    async def send(self, message: Outgoing) -> str | None:
        self.file.write(f"{message.address.chat_id}\n")
        self.file.flush()
        return None


def worker_process(
    url: str, schema: str, worker_id: str, out: str, small_bank: bool, start: Any, results: Any
) -> None:
    """One engine process: tick until a tick claims nothing, then report."""
    engine = schema_engine(url, schema)
    app = make_app(engine, FixedClock(NOW), small_bank)
    worker = DeliveryEngine(app, worker_id=worker_id)
    sender = FileSender(Path(out))
    worker.register(sender)
    totals: collections.Counter[str] = collections.Counter()

    async def run() -> None:
        while True:
            report = await worker.tick()
            totals["ticks"] += 1
            for name in ("claimed", "retried", "sent", "skipped", "failed"):
                totals[name] += getattr(report, name)
            if not report.claimed and not report.retried:
                return

    start.wait()
    started = time.perf_counter()
    asyncio.run(run())
    sender.file.close()
    engine.dispose()
    results.put((worker_id, time.perf_counter() - started, dict(totals)))


def bench_workers(url: str, args: argparse.Namespace) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    walls: list[float] = []
    splits: list[tuple[int, int]] = []
    ok = True
    for _ in range(args.repeat):
        schema = f"bench_delivery_{uuid.uuid4().hex[:8]}"
        engine, _label, cleanup = fresh_engine(url, schema)
        folder = Path(tempfile.mkdtemp(prefix="interviewprep-bench-"))
        try:
            seed(engine, args.shared, due_only=True)
            with engine.connect() as connection:  # every chat is due
                expected = set(connection.execute(select(_r.c.chat_id)).scalars().all())
            start = context.Barrier(3)
            results = context.Queue()
            processes = [
                context.Process(
                    target=worker_process,
                    args=(
                        url,
                        schema,
                        name,
                        str(folder / f"{name}.txt"),
                        args.small_bank,
                        start,
                        results,
                    ),
                )
                for name in ("w1", "w2")
            ]
            for process in processes:
                process.start()
            start.wait()
            started = time.perf_counter()
            reports: dict[str, tuple[float, dict[str, int]]] = {}
            for _ in processes:
                name, seconds, totals = results.get()
                reports[name] = (seconds, totals)
            wall = time.perf_counter() - started
            for process in processes:
                process.join()
            lines = {name: (folder / f"{name}.txt").read_text().split() for name in ("w1", "w2")}
            union = lines["w1"] + lines["w2"]
            with engine.connect() as connection:
                statuses = dict(
                    connection.execute(
                        select(_d.c.status, func.count())
                        .where(_d.c.kind == "daily")
                        .group_by(_d.c.status)
                    ).all()
                )
        finally:
            cleanup()
        duplicates = len(union) - len(set(union))
        good = len(union) == args.shared and not duplicates and set(union) == expected
        good = good and statuses == {"sent": args.shared}
        ok = ok and good
        walls.append(wall)
        splits.append((len(lines["w1"]), len(lines["w2"])))
        print(
            f"  run: {len(union):,} sends ({len(set(union)):,} distinct, {duplicates} duplicates),"
            f" w1 {len(lines['w1']):,} / w2 {len(lines['w2']):,},"
            f" deliveries {statuses}, wall {wall:.1f} s,"
            f" per worker (s, totals) {reports}"
            f" -> {'OK' if good else 'WRONG'}"
        )
    middle = sorted(range(len(walls)), key=walls.__getitem__)[len(walls) // 2]
    print(
        f"two workers, PostgreSQL, {'test pack' if args.small_bank else 'built-in bank'}:"
        f" {args.shared:,} due recipients,"
        f" wall {fmt_runs(walls)} s = {args.shared / median(walls):,.0f} sends/s;"
        f" splits {splits}; {'all exact' if ok else 'MISMATCH'}"
    )
    return {"wall": median(walls), "split": splits[middle], "ok": ok}


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="+", choices=["plan", "fanout", "workers"], default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--fanout", type=int, default=600)
    parser.add_argument("--shared", type=int, default=10_000)
    parser.add_argument(
        "--pg", help=f"PostgreSQL URL (default: $INTERVIEWPREP_TEST_DATABASE_URL or {PG_DEFAULT})"
    )
    parser.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL runs")
    parser.add_argument("--profile", action="store_true", help="cProfile the first plan()")
    parser.add_argument(
        "--small-bank",
        action="store_true",
        help="fan-out and workers with the 13-question test pack, not the built-in bank",
    )
    args = parser.parse_args()
    wanted = set(args.only or ["plan", "fanout", "workers"])
    url = pg_url(args)
    run: list[tuple[str, Callable[[], object]]] = []
    if "plan" in wanted:
        run.append(("plan", lambda: bench_plan(None, args)))
        if url:
            run.append(("plan", lambda: bench_plan(url, args)))
    if "fanout" in wanted:
        run.append(("fanout", lambda: bench_fanout(args)))
    if "workers" in wanted and url:
        run.append(("workers", lambda: bench_workers(url, args)))
    for _name, step in run:
        step()


if __name__ == "__main__":
    main()
