"""Interactions answered per second through a fake Discord: full pipeline vs a bare bot.

    python bench/discord_throughput.py [--interactions 2000] [--concurrency 8] [--rounds 3]
                                       [--command streak] [--history DAYS]
                                       [--database-url postgresql://...]

Both bots are the real discord.py client connected to the same fake gateway and REST
API on 127.0.0.1 (tests/adapters/discord/fake_discord.py), in the same run, answering
the same INTERACTION_CREATE payloads from 200 members of one server:

* **bare**: a ``discord.Client`` with a command tree whose commands answer "pong" with
  one ``send_message`` (the floor: gateway parsing + one HTTP callback);
* **full**: :class:`interviewprep.adapters.discord.bot.InterviewBot` over the real App
  (built-in bank, default grader, a migrated database, a group set up for the server):
  ``respond()`` with its worker thread, per-member lock, enrolment lookup, the
  services and rendering.

``--command answer-choice`` and ``--command answer-open`` measure answering the server's
daily question instead: a member clicks *Answer* under the day's post, then picks an
option (a single-choice question: the private message with the option buttons turns
into the graded result) or submits the answer modal (an open question, graded by the
default grader). That is two interactions per member; each member answers once, as the
server allows (one attempt per member and day), so every full round has members of its
own, enrolled beforehand. The bare bot answers the same two interactions with the same
kinds of response (a message with a button then an edit, or a modal then a message),
from ``on_interaction`` with static content.

``--history DAYS`` makes the 200 members members of the server's group with ``DAYS``
days of answers each (every ninth day missed), so that ``/leaderboard`` ranks 200
members with their streaks and ``/streak`` and ``/stats`` read a history; by default
they have none (``/leaderboard`` then shows an empty board and the server streak).

An interaction counts when its callback reached the fake. Rounds alternate bare/full;
the median of each is reported, and the ratio full/bare (target >= 0.7).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fake Discord lives with the tests

import discord  # noqa: E402
import discord.gateway  # noqa: E402
import discord.http  # noqa: E402
from discord import app_commands  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from tests.adapters.discord.fake_discord import FakeDiscord, FakeGuild, custom_ids, user  # noqa: E402

from common import database_argument, fresh_engine, record_group_post  # noqa: E402
from interviewprep.adapters.discord import ids  # noqa: E402
from interviewprep.adapters.discord.bot import InterviewBot  # noqa: E402
from interviewprep.app import App, assemble, load_packs  # noqa: E402
from interviewprep.bank.schema import Level, OpenQuestion, SingleChoice  # noqa: E402
from interviewprep.config import load_settings  # noqa: E402
from interviewprep.domain.clock import system_clock  # noqa: E402
from interviewprep.grading import default_grader  # noqa: E402
from interviewprep.runner import settle_heap  # noqa: E402
from interviewprep.storage.tables import Attempt, Review  # noqa: E402

COMMANDS = ("streak", "stats", "help", "today", "leaderboard")
ANSWERS = ("answer-choice", "answer-open")


class BareBot(discord.Client):
    """The floor: same commands, each answered with one static ephemeral message."""

    def __init__(self, modal: bool = False) -> None:
        super().__init__(intents=discord.Intents.none(), guild_ready_timeout=0.05)
        self.modal = modal  # answer with a modal (an open question) rather than buttons
        self.tree = app_commands.CommandTree(self)
        for name in COMMANDS:
            self.tree.add_command(_pong(name))

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """The floor of answering: the same responses as the full bot, static content."""
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        response = interaction.response
        if interaction.type is discord.InteractionType.modal_submit:
            await response.send_message("graded", ephemeral=True)
        elif custom_id.startswith("ip:ans:") and self.modal:
            await response.send_modal(_BareModal())
        elif custom_id.startswith("ip:ans:"):
            view = discord.ui.View(timeout=None)
            view.add_item(discord.ui.Button(label="option 1", custom_id="ip:pick:1:0:-"))
            await response.send_message("pick one", view=view, ephemeral=True)
        elif custom_id.startswith("ip:pick:"):
            await response.edit_message(content="graded", view=None)


class _BareModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(label="answer", custom_id="answer")


def _pong(name: str) -> app_commands.Command[Any, Any, None]:
    async def callback(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("pong", ephemeral=True)

    return app_commands.Command(name=name, description=f"bare {name}", callback=callback)


async def _run_bot(client: discord.Client, fake: FakeDiscord) -> asyncio.Task[None]:
    fake.ready.clear()
    task = asyncio.create_task(client.start("bench-token"))
    await asyncio.wait_for(fake.ready.wait(), 10)
    await asyncio.wait_for(client.wait_until_ready(), 10)
    return task


async def _measure(
    fake: FakeDiscord, payloads: list[dict[str, Any]], concurrency: int
) -> tuple[float, float, float]:
    """Send every payload keeping ``concurrency`` in flight; returns (per second, p95 ms)."""
    latencies: list[float] = []
    queue = iter(payloads)

    async def worker() -> None:
        for payload in queue:
            exchange = await fake.send_interaction(payload)
            while exchange.acked_at is None:
                exchange.changed.clear()
                await asyncio.wait_for(exchange.changed.wait(), 10)
            latencies.append(exchange.acked_at - exchange.sent_at)
            _forget(fake, payload, exchange)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    latencies.sort()
    return _result(latencies, elapsed, cpu)


def _forget(fake: FakeDiscord, payload: dict[str, Any], exchange: Any) -> None:
    """Drop what the fake keeps of an answered interaction, so that neither bot's rounds
    slow down as the fake's records (and the garbage collector's work) grow."""
    fake.exchanges.pop(payload["token"], None)
    if exchange.original_id != exchange.message_id:  # not an edit of a kept message
        fake.messages.pop(exchange.original_id, None)


def _result(latencies: list[float], elapsed: float, cpu: float) -> tuple[float, float, float]:
    """(interactions/s, p95 ms to acknowledge, CPU ms of this process per interaction)."""
    n = len(latencies)
    return n / elapsed, latencies[int(n * 0.95)] * 1000, cpu / n * 1000


async def _measure_answers(
    fake: FakeDiscord,
    guild: FakeGuild,
    post: dict[str, Any],
    members: list[dict[str, Any]],
    answer: str,
    concurrency: int,
) -> tuple[float, float, float]:
    """Each member: Answer under the post, then a pick or the modal; (interactions/s, p95 ms)."""
    latencies: list[float] = []
    queue = iter(members)
    button = next(c for c in custom_ids(post) if c.startswith("ip:ans:"))

    async def answered(payload: dict[str, Any]) -> dict[str, Any]:
        exchange = await fake.send_interaction(payload)
        while exchange.acked_at is None:
            exchange.changed.clear()
            await asyncio.wait_for(exchange.changed.wait(), 10)
        latencies.append(exchange.acked_at - exchange.sent_at)
        _forget(fake, payload, exchange)
        return exchange.callbacks[0]

    async def worker() -> None:
        for member in queue:
            opened = await answered(fake.click_payload(post, button, member, guild))
            if opened["type"] == 9:  # the answer modal
                modal = opened["data"]["custom_id"]
                fields = {ids.ANSWER_FIELD: answer}
                await answered(fake.modal_payload(modal, fields, member, guild, post["channel_id"]))
                continue
            message = opened["data"]
            picks = [c for c in custom_ids(message) if c.startswith("ip:pick:")]
            assert picks, f"no option buttons in {opened}"
            result = await answered(fake.click_payload(message, picks[0], member, guild))
            assert result["type"] == 7, result

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    latencies.sort()
    return _result(latencies, elapsed, cpu)


def _post_question(app: App, fake: FakeDiscord, guild: FakeGuild, kind: str) -> dict[str, Any]:
    """Set up the server's group and record today's post of a question of ``kind``."""
    channel = guild.add_channel("daily")
    group = app.groups.setup(
        "discord",
        guild.id,
        channel_id=channel,
        name=guild.name,
        timezone="UTC",
        delivery_time="09:00",
    )
    wanted = SingleChoice if kind == "choice" else OpenQuestion
    question = next(
        q for q in app.bank if isinstance(q, wanted) and q.level in (Level.JUNIOR, Level.MID)
    )
    now = app.clock()
    today = now.date()  # the group's zone is UTC
    custom_id = ids.answer(group.id, today, question.id)
    post = fake._message(
        channel,
        {
            "embeds": [{"title": "Daily question", "description": question.prompt}],
            "components": [
                {
                    "type": 1,
                    "components": [
                        {"type": 2, "style": 1, "label": "Answer", "custom_id": custom_id}
                    ],
                }
            ],
        },
        {},
    )
    record_group_post(app.engine, group.id, today, question.id, post["id"], now)
    return post


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interactions", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--command", default="streak", choices=COMMANDS + ANSWERS)
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="days of answers each member has (members of the server's group; default none)",
    )
    database_argument(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    engine, label, cleanup = fresh_engine(args.database_url)
    settings = load_settings(fuzz_intervals=False)
    app = assemble(settings, engine, load_packs(settings), default_grader(), system_clock)
    settle_heap()  # as `interviewprep run` does after start-up

    fake = FakeDiscord()
    fake.record = False
    await fake.start()
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = fake.gateway_url
    owner = user("Owner")
    guild = fake.add_guild("Bench", owner)
    channel = guild.add_channel("daily")
    members = [user(f"member{i}") for i in range(200)]
    bench_group = app.groups.setup(
        "discord",
        guild.id,
        channel_id=channel,
        name="Bench",
        timezone="UTC",
        delivery_time="09:00",
    )
    if args.history:
        _history(app, bench_group.id, members, args.history)

    def payloads() -> list[dict[str, Any]]:
        return [
            fake.slash_payload(args.command, members[i % len(members)], guild)
            for i in range(args.interactions)
        ]

    answering = args.command in ANSWERS
    if answering:
        kind = "choice" if args.command == "answer-choice" else "open"
        answer_guild = fake.add_guild(f"Answers {kind}", owner)
        post = _post_question(app, fake, answer_guild, kind)
        units = max(args.interactions // 2, 1)
        answerers = [user(f"answerer{i}") for i in range(units * (args.rounds + 1))]
        for member in answerers:  # members who used the bot before (not timed)
            app.practice.enrol("discord", member["id"], member["username"])
        answer_text = _answer_text(app, post)

    async def measure(name: str, batch: int) -> tuple[float, float, float]:
        if not answering:
            return await _measure(fake, payloads(), args.concurrency)
        # every full batch needs members who have not answered today yet
        chosen = (
            answerers[batch * units : (batch + 1) * units] if name == "full" else answerers[:units]
        )
        return await _measure_answers(
            fake, answer_guild, post, chosen, answer_text, args.concurrency
        )

    results: dict[str, list[tuple[float, float, float]]] = {"bare": [], "full": []}
    try:
        # warm up: enrol every member once, sync both command trees
        full = InterviewBot(app, guild_ready_timeout=0.05)
        task = await _run_bot(full, fake)
        if answering:
            await measure("full", 0)
        else:
            await _measure(fake, payloads()[: len(members)], args.concurrency)
        await full.close()
        await task
        for batch in range(1, args.rounds + 1):
            for name in ("bare", "full"):
                client: discord.Client = (
                    BareBot(modal=args.command == "answer-open")
                    if name == "bare"
                    else InterviewBot(app, guild_ready_timeout=0.05)
                )
                task = await _run_bot(client, fake)
                results[name].append(await measure(name, batch))
                await client.close()
                await task
    finally:
        await fake.close()
        app.close()
        cleanup()

    print(
        f"{args.command if answering else '/' + args.command}: {args.interactions} interactions"
        f" x {args.rounds} rounds, {args.concurrency} in flight, {label}"
    )
    rates: dict[str, float] = {}
    cpus: dict[str, float] = {}
    for name, runs in results.items():
        rates[name] = statistics.median(r for r, _, _ in runs)
        p95 = statistics.median(p for _, p, _ in runs)
        cpus[name] = statistics.median(c for _, _, c in runs)
        each = ", ".join(f"{r:.0f}" for r, _, _ in runs)
        print(
            f"  {name:>4}: {rates[name]:7.0f} interactions/s (median of {each}), "
            f"p95 ack {p95:5.1f} ms, CPU {cpus[name]:.2f} ms/interaction"
        )
    print(f"  ratio full/bare: {rates['full'] / rates['bare']:.2f} (target >= 0.70)")
    # CPU time of this process per interaction does not depend on what else the machine
    # runs: bare/full is the throughput ratio on a core of its own
    print(f"  CPU ratio bare/full: {cpus['bare'] / cpus['full']:.2f}")


def _history(app: App, group_id: int, members: list[dict[str, Any]], days: int) -> None:
    """Enrol the members, make them members of the group and give each ``days`` days of
    answers up to yesterday (every ninth day missed), written straight into the tables:
    /leaderboard then ranks 200 members with streaks, /streak and /stats read histories."""
    today = app.clock().date()
    attempts: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    for i, member in enumerate(members):
        person = app.practice.enrol("discord", member["id"], member["username"])
        app.groups.join(group_id, person)
        for back in range(1, days + 1):
            if (i + back) % 9 == 0:
                continue
            day = today - timedelta(days=back)
            moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
            attempts.append(
                {
                    "person_id": person,
                    "question_id": "history",
                    "asked_at": moment,
                    "asked_on": day,
                    "status": "answered",
                    "source": "practice",
                    "hints_used": 0,
                    "closed_at": moment,
                    "group_id": None,
                    "group_day": None,
                }
            )
            reviews.append(
                {
                    "person_id": person,
                    "question_id": "history",
                    "answered_at": moment,
                    "local_date": day,
                    "answer": "1",
                    "score": 1.0,
                    "grader": "choice",
                    "key_points": [],
                    "suggested_rating": 3,
                    "rating": 3 if (i + back) % 4 else 1,
                    "rated_at": None,
                    "card_before": {},
                    "answer_ms": 1000,
                    "grading_ms": 0.1,
                    "revealed": False,
                }
            )
    attempt_table = Attempt.__table__  # type: ignore[attr-defined]
    with app.engine.begin() as connection:
        for attempt, review in zip(attempts, reviews, strict=True):
            attempt_id = connection.execute(
                insert(attempt_table).returning(attempt_table.c.id), attempt
            ).scalar_one()
            review["attempt_id"] = attempt_id
        connection.execute(insert(Review.__table__), reviews)  # type: ignore[attr-defined]


def _answer_text(app: App, post: dict[str, Any]) -> str:
    """A good answer to the posted open question (its model answer); unused for choices."""
    custom_id = next(c for c in custom_ids(post) if c.startswith("ip:ans:"))
    question = app.bank.get(custom_id.split(":", 4)[4])
    assert question is not None
    return question.model_answer


if __name__ == "__main__":
    asyncio.run(main())
