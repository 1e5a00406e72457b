"""Interactions answered per second through a fake Discord: full pipeline vs a bare bot.

    python bench/discord_throughput.py [--interactions 2000] [--concurrency 8] [--rounds 3]
                                       [--command streak] [--history DAYS]
                                       [--database-url postgresql://...] [--in-process]

Both bots are the real discord.py client connected to the same fake gateway and REST
API on 127.0.0.1 (tests/adapters/discord/fake_discord.py), in the same run, answering
the same INTERACTION_CREATE payloads from 200 members of one server:

* **bare**: a ``discord.Client`` with a command tree whose commands answer "pong" with
  one ``send_message`` (the floor: gateway parsing + one HTTP callback);
* **full**: :class:`interviewprep.adapters.discord.bot.InterviewBot` over the real App
  (built-in bank, default grader, a migrated database, a group set up for the server):
  ``respond()`` with its worker thread, per-member lock, enrolment lookup, the
  services and rendering.

The fake Discord and the load driver (``bench/discord_driver.py``: the payloads, the
interactions in flight, the timing) run in a process of their own, started with
``multiprocessing`` (spawn) and driven over a pipe; the bots run in this process, which
never imports the fake. This process's CPU time over a round (``time.process_time()``,
every thread) is then the bot's own cost per interaction, as in production, where
Discord's servers decode the bot's callbacks and send the gateway events: with the fake
in the same process that CPU also counted the fake's side, which is much larger for the
full bot's embeds and buttons than for the bare bot's one line. The fake's process
reports its own CPU time per interaction and how busy it was: at 85% or more of a
round's wall time the fake, not the bot, may have set the rate, and the output warns
that the throughput ratio is then not the bot's. ``--in-process`` runs the fake on the
bots' event loop as before (the figures of the README's older tables; the CPU time is
then the bot's and the fake's together).

``--command practice`` sends ``/practice`` (no options) from members who used the bot
before (enrolled beforehand, not timed), which opens a new question from their queue;
the bare bot answers with a static message with one button. A second ``/practice`` by
the same member only shows the question left open again (no write), so every full round
has members of its own, each sending ``/practice`` once: the realistic case is a member
asking for their next question, not one invoking the command twice. The first response
of each round must show the question's answer controls (option buttons, select or
*Write* button), so that a round never measures an error reply.

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
import multiprocessing
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import discord  # noqa: E402
import discord.gateway  # noqa: E402
import discord.http  # noqa: E402
import yarl  # noqa: E402
from discord import app_commands  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from common import database_argument, fresh_engine, receive, record_group_post  # noqa: E402
from interviewprep.adapters.discord import ids  # noqa: E402
from interviewprep.adapters.discord.bot import InterviewBot  # noqa: E402
from interviewprep.app import App, assemble, load_packs  # noqa: E402
from interviewprep.bank.schema import Level, OpenQuestion, Question, SingleChoice  # noqa: E402
from interviewprep.config import load_settings  # noqa: E402
from interviewprep.domain.clock import system_clock  # noqa: E402
from interviewprep.grading import default_grader  # noqa: E402
from interviewprep.runner import settle_heap  # noqa: E402
from interviewprep.services.views import GroupView  # noqa: E402
from interviewprep.storage.tables import Attempt, Review  # noqa: E402

COMMANDS = ("streak", "stats", "help", "today", "leaderboard")
PRACTICE = "practice"
ANSWERS = ("answer-choice", "answer-open")
MEMBERS = 200
BUSY = 0.85  # share of a round's wall time the fake's process may be busy without a warning
# what the first /practice response of a round must show: the question's answer controls
QUESTION_CONTROLS = ("ip:pick:", "ip:multi:", "ip:write:")
BARE_BUTTON = "ip:pick:1:0:-"


class BareBot(discord.Client):
    """The floor: same commands, each answered with one static ephemeral message."""

    def __init__(self, modal: bool = False) -> None:
        super().__init__(intents=discord.Intents.none(), guild_ready_timeout=0.05)
        self.modal = modal  # answer with a modal (an open question) rather than buttons
        self.tree = app_commands.CommandTree(self)
        for name in COMMANDS:
            self.tree.add_command(_pong(name))
        self.tree.add_command(_static_question())

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
            await response.send_message("pick one", view=_one_button(), ephemeral=True)
        elif custom_id.startswith("ip:pick:"):
            await response.edit_message(content="graded", view=None)


class _BareModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(label="answer", custom_id="answer")


def _one_button() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="option 1", custom_id=BARE_BUTTON))
    return view


def _pong(name: str) -> app_commands.Command[Any, Any, None]:
    async def callback(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("pong", ephemeral=True)

    return app_commands.Command(name=name, description=f"bare {name}", callback=callback)


def _static_question() -> app_commands.Command[Any, Any, None]:
    """``/practice`` of the bare bot: a static message with one button."""

    async def callback(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("a question", view=_one_button(), ephemeral=True)

    return app_commands.Command(name=PRACTICE, description="bare practice", callback=callback)


@dataclass(frozen=True)
class Measured:
    """One round: interactions/s, p95 ms to the callback, and CPU ms per interaction of
    the bot's process and of the fake's (None when the fake ran in the bot's process);
    ``busy`` is the fake's CPU time over the round's wall time."""

    rate: float
    p95: float
    bot_cpu: float
    fake_cpu: float | None
    busy: float | None


class Fake(Protocol):
    """The fake Discord with its load driver, wherever it runs."""

    async def start(self) -> tuple[str, str]:
        """The fake's REST base and gateway URL, once it listens."""

    async def call(self, method: str, *args: Any) -> Any:
        """Run a :class:`discord_driver.Driver` method; its result."""

    async def round(self, spec: dict[str, Any]) -> Measured:
        """Run one round of :class:`discord_driver.Round` ``spec``."""

    async def close(self) -> None:
        """Stop the fake."""


class RemoteFake:
    """The fake and the driver in a process of their own (the default)."""

    def __init__(self) -> None:
        self.conn, child = multiprocessing.Pipe()
        spawn = multiprocessing.get_context("spawn")
        self.process = spawn.Process(target=_serve_fake, args=(child,), daemon=True)
        self.process.start()
        child.close()

    async def start(self) -> tuple[str, str]:
        """The fake's REST base and gateway URL, once it listens."""
        api, gateway = await receive(self.conn)
        return str(api), str(gateway)

    async def call(self, method: str, *args: Any) -> Any:
        self.conn.send((method, args))
        status, value = await receive(self.conn)
        if status == "error":
            raise RuntimeError(f"the fake's process failed:\n{value}")
        return value

    async def round(self, spec: dict[str, Any]) -> Measured:
        cpu = time.process_time()  # this process only: the bot's own work
        result = await self.call("run", spec)
        cpu = time.process_time() - cpu
        n = result["count"]
        return Measured(
            n / result["elapsed"],
            result["p95"] * 1000,
            cpu / n * 1000,
            result["cpu"] / n * 1000,
            result["cpu"] / result["elapsed"],
        )

    async def close(self) -> None:
        self.conn.send(None)
        await asyncio.to_thread(self.process.join, 10)
        if self.process.is_alive():
            self.process.kill()


class InProcessFake:
    """``--in-process``: the fake and the driver on the bots' event loop (as before)."""

    def __init__(self) -> None:
        from discord_driver import Driver  # only here: the bot's process keeps clear of it

        self.driver = Driver()

    async def start(self) -> tuple[str, str]:
        return await self.driver.start()

    async def call(self, method: str, *args: Any) -> Any:
        value = getattr(self.driver, method)(*args)
        return await value if asyncio.iscoroutine(value) else value

    async def round(self, spec: dict[str, Any]) -> Measured:
        result = await self.driver.run(spec)
        n = result["count"]
        # the process's CPU time: the bot's and the fake's together
        return Measured(
            n / result["elapsed"], result["p95"] * 1000, result["cpu"] / n * 1000, None, None
        )

    async def close(self) -> None:
        await self.driver.close()


def _serve_fake(conn: Any) -> None:
    """The fake's process (imports the fake only there)."""
    from discord_driver import serve

    serve(conn)


async def _run_bot(client: discord.Client) -> asyncio.Task[None]:
    """Start ``client`` and wait until it is ready (READY and the servers received)."""
    task = asyncio.create_task(client.start("bench-token"))
    deadline = time.monotonic() + 10
    while not client.is_ready():
        if task.done():
            task.result()  # raises what stopped it
            raise RuntimeError("the bot stopped before it was ready")
        if time.monotonic() > deadline:
            raise TimeoutError("the bot was not ready within 10 s")
        await asyncio.sleep(0.01)
    return task


async def _bot_round(client: discord.Client, fake: Fake, spec: dict[str, Any]) -> Measured:
    """Start ``client``, run one round against it, stop it."""
    task = await _run_bot(client)
    try:
        return await fake.round(spec)
    finally:
        await client.close()
        await task


def _practice_attempts(app: App) -> int:
    """Attempts opened by /practice (source "practice")."""
    table = Attempt.__table__  # type: ignore[attr-defined]
    with app.engine.connect() as connection:
        query = select(func.count()).select_from(table).where(table.c.source == "practice")
        return int(connection.execute(query).scalar_one())


def _question(app: App, kind: str) -> Question:
    """The day's question of the answer rows: a junior or mid question of ``kind``."""
    wanted = SingleChoice if kind == "choice" else OpenQuestion
    return next(
        q for q in app.bank if isinstance(q, wanted) and q.level in (Level.JUNIOR, Level.MID)
    )


def _setup_group(app: App, server: dict[str, Any], name: str) -> GroupView:
    """The server's group: its channel, UTC, delivered at 09:00."""
    return app.groups.setup(
        "discord",
        server["guild"],
        channel_id=server["channel"],
        name=name,
        timezone="UTC",
        delivery_time="09:00",
    )


async def _post_question(app: App, fake: Fake, server: dict[str, Any], question: Question) -> str:
    """Set up the server's group, post ``question`` as today's and record the post."""
    group = _setup_group(app, server, "Answers")
    now = app.clock()
    today = now.date()  # the group's zone is UTC
    custom_id = ids.answer(group.id, today, question.id)
    body = {
        "embeds": [{"title": "Daily question", "description": question.prompt}],
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 1, "label": "Answer", "custom_id": custom_id}],
            }
        ],
    }
    post: str = await fake.call("post", server["channel"], body)
    record_group_post(app.engine, group.id, today, question.id, post, now)
    return post


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interactions", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--command", default="streak", choices=(*COMMANDS, PRACTICE, *ANSWERS))
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="days of answers each member has (members of the server's group; default none)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the fake Discord in the bots' process, as before (CPU time then counts both)",
    )
    database_argument(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    engine, label, cleanup = fresh_engine(args.database_url)
    settings = load_settings(fuzz_intervals=False)
    app = assemble(settings, engine, load_packs(settings), default_grader(), system_clock)
    settle_heap()  # as `interviewprep run` does after start-up

    fake: Fake = InProcessFake() if args.in_process else RemoteFake()
    api, gateway = await fake.start()
    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    answering, practising = args.command in ANSWERS, args.command == PRACTICE
    n = args.interactions
    units = max(n // 2, 1) if answering else n  # members a round (answer rows, /practice)
    concurrency = args.concurrency
    results: dict[str, list[Measured]] = {"bare": [], "full": []}
    loads = [os.getloadavg()[0]]
    try:
        # /practice: members of its own per full round (and the warm-up), as the answer rows
        size = units * (args.rounds + 1) if practising else MEMBERS
        bench = await fake.call("add_guild", "Bench", size, "member")
        bench_group = _setup_group(app, bench, "Bench")
        if args.history:
            _history(app, bench_group.id, bench["members"][:MEMBERS], args.history)
        if practising:  # members who used the bot before (not timed)
            for uid, name in bench["members"]:
                if app.practice.find_person("discord", uid) is None:
                    app.practice.enrol("discord", uid, name)
        post, answer_text = "", ""
        if answering:
            kind = "choice" if args.command == "answer-choice" else "open"
            answerers = units * (args.rounds + 1)
            server = await fake.call("add_guild", f"Answers {kind}", answerers, "answerer")
            for uid, name in server["members"]:  # members who used the bot before (not timed)
                app.practice.enrol("discord", uid, name)
            question = _question(app, kind)
            post = await _post_question(app, fake, server, question)
            answer_text = question.model_answer  # a good answer; unused for choices

        def spec(name: str, batch: int) -> dict[str, Any]:
            # every full batch of the answer and /practice rows needs members of its own
            first = batch * units if name == "full" else 0
            if answering:
                guild = f"Answers {'choice' if args.command == 'answer-choice' else 'open'}"
                return {
                    "guild": guild,
                    "members": (first, first + units),
                    "concurrency": concurrency,
                    "post": post,
                    "answer": answer_text,
                }
            if practising:
                return {
                    "guild": "Bench",
                    "members": (first, first + units),
                    "concurrency": concurrency,
                    "command": PRACTICE,
                    "interactions": units,
                    "expect": QUESTION_CONTROLS if name == "full" else (BARE_BUTTON,),
                }
            return {
                "guild": "Bench",
                "members": (0, MEMBERS),
                "concurrency": concurrency,
                "command": args.command,
                "interactions": n if batch else MEMBERS,  # the warm-up: each member once
            }

        # warm up: enrol every member once, sync both command trees
        await _bot_round(InterviewBot(app, guild_ready_timeout=0.05), fake, spec("full", 0))
        for batch in range(1, args.rounds + 1):
            for name in ("bare", "full"):
                client: discord.Client = (
                    BareBot(modal=args.command == "answer-open")
                    if name == "bare"
                    else InterviewBot(app, guild_ready_timeout=0.05)
                )
                results[name].append(await _bot_round(client, fake, spec(name, batch)))
                loads.append(os.getloadavg()[0])
        if practising:  # each full round's /practice opened a new question, none resumed
            opened = _practice_attempts(app)
            assert opened == size, f"{opened} questions opened by {size} /practice"
    finally:
        await fake.close()
        app.close()
        cleanup()
    _report(args, label, results, loads)


def _report(
    args: argparse.Namespace,
    label: str,
    results: dict[str, list[Measured]],
    loads: list[float],
) -> None:
    answering = args.command in ANSWERS
    where = "in this process" if args.in_process else "in its own process"
    print(
        f"{args.command if answering else '/' + args.command}: {args.interactions} interactions"
        f" x {args.rounds} rounds, {args.concurrency} in flight, {label}, fake {where},"
        f" load average {min(loads):.1f}-{max(loads):.1f}"
    )
    rates: dict[str, float] = {}
    cpus: dict[str, float] = {}
    for name, runs in results.items():
        rates[name] = statistics.median(r.rate for r in runs)
        p95 = statistics.median(r.p95 for r in runs)
        cpus[name] = statistics.median(r.bot_cpu for r in runs)
        each = ", ".join(f"{r.rate:.0f}" for r in runs)
        line = f"  {name:>4}: {rates[name]:7.0f} interactions/s (median of {each}), p95 ack"
        if args.in_process:
            print(f"{line} {p95:5.1f} ms, CPU (bot + fake) {cpus[name]:.2f} ms/interaction")
            continue
        fake_cpu = statistics.median(r.fake_cpu or 0.0 for r in runs)
        busy = ", ".join(f"{r.busy or 0.0:.0%}" for r in runs)
        print(
            f"{line} {p95:5.1f} ms, bot CPU {cpus[name]:.2f} ms/interaction, "
            f"fake CPU {fake_cpu:.2f} ms/interaction (busy {busy})"
        )
    print(f"  ratio full/bare: {rates['full'] / rates['bare']:.2f} (target >= 0.70)")
    # CPU time of the bot's process per interaction does not depend on what else the
    # machine runs: bare/full is the throughput ratio on a core of its own
    print(f"  CPU ratio bare/full: {cpus['bare'] / cpus['full']:.2f}")
    for name, runs in results.items():
        for i, r in enumerate(runs, 1):
            if r.busy is not None and r.busy >= BUSY:
                print(
                    f"  warning: the fake's process was busy {r.busy:.0%} of {name} round {i}'s"
                    " wall time: the fake, not the bot, may have set its rate, and the"
                    " throughput ratio is not the bot's"
                )


def _history(app: App, group_id: int, members: list[tuple[str, str]], days: int) -> None:
    """Enrol the members, make them members of the group and give each ``days`` days of
    answers up to yesterday (every ninth day missed), written straight into the tables:
    /leaderboard then ranks 200 members with streaks, /streak and /stats read histories."""
    today = app.clock().date()
    attempts: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    for i, (uid, name) in enumerate(members):
        person = app.practice.enrol("discord", uid, name)
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


if __name__ == "__main__":
    asyncio.run(main())
