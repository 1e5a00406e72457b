"""Answer updates per second through a fake Bot API: the full Telegram pipeline vs a bare
python-telegram-bot echo bot, and the bot's RSS with 100,000 people in the database.

    python bench/telegram_throughput.py [--answers 2000] [--rounds 3] [--people 100000]
                                        [--kind mix|choice|open|tap|rate] [--delivered]
                                        [--concurrency 16] [--database-url ...]

Both bots are PTB 22's real Application + Updater long-polling the same fake Bot API (a
lean aiohttp server in a separate process on 127.0.0.1, so it does not share the bot's
CPU), in the same run, over the same number of updates:

* **echo**: one ``MessageHandler`` answering every text with ``reply_text`` (one
  sendMessage per update): PTB's floor on this machine;
* **full**: :func:`interviewprep.adapters.telegram.application.build_application` over
  the real App (built-in bank, default grader, a file SQLite database): the duplicate
  filter, ``Practice.answer_open`` / ``answer_attempt`` (the account, its open
  question, grade, schedule, persist in one transaction), HTML rendering and one
  sendMessage with the rating buttons. Every update is a different person answering
  their open question.

``--delivered``: the questions are first sent through the adapter's delivery sender (as
the engine sends the daily question); without it the questions were opened elsewhere.
The answer path reads the same either way since the one-transaction services.

``--kind``: ``mix`` answers whatever the queue put first, in the right shape (option
number, alias, model answer); ``choice``/``open`` restrict to those types; ``tap``
answers choice questions with a button (answerCallbackQuery + editMessageText: the
question becomes its result; before, answerCallbackQuery + editMessageReplyMarkup +
sendMessage); ``rate`` taps a rating under a result answered just before, untimed (half
confirm the suggestion, half override it: answerCallbackQuery +
editMessageReplyMarkup). An update counts when the call that shows its outcome (a
sendMessage or editMessageText; for ``rate`` the keyboard edit) reached the fake. Each
round runs echo, echo with the adapter's update processor, then full; the reported
ratio is the median of the per-round ratios (target >= 0.7).

The people and their open questions are prepared before timing (bulk insert +
``next_question``). RSS (target < 150 MB) is read from /proc in a separate bot process
that loads the App over the seeded database and answers one more batch of updates.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from telegram import Bot, Update  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters  # noqa: E402

from common import serve_on_loopback  # noqa: E402
from interviewprep.adapters.telegram.application import (  # noqa: E402
    CONCURRENT_UPDATES,
    build_application,
    memory_of,
)
from interviewprep.adapters.telegram.ordering import PerChatUpdateProcessor  # noqa: E402
from interviewprep.adapters.telegram.sender import TelegramSender  # noqa: E402
from interviewprep.app import App, build_app  # noqa: E402
from interviewprep.bank.schema import (  # noqa: E402
    MultipleChoice,
    Question,
    QuestionType,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from interviewprep.config import load_settings  # noqa: E402
from interviewprep.delivery.messages import Address, DailyQuestion  # noqa: E402
from interviewprep.domain.clock import FixedClock  # noqa: E402
from interviewprep.domain.rating import Rating  # noqa: E402
from interviewprep.runner import settle_heap  # noqa: E402
from interviewprep.services.views import QuestionView  # noqa: E402
from interviewprep.storage.tables import Identity, Person  # noqa: E402

TOKEN = "123456:BENCH-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
NOW = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
CHOICE = {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.TRUE_FALSE}


# ------------------------------------------------------------ fake Bot API (child)


def serve_fake(port_pipe: Any) -> None:
    """A lean Bot API: getUpdates from a loaded queue, cheap replies, counters."""
    state: dict[str, Any] = {
        "updates": [],
        "replies": 0,
        "target": 0,
        "first": None,
        "counted": {"sendMessage", "editMessageText"},
    }
    done = asyncio.Event()
    arrived = asyncio.Event()
    next_id = iter(range(10_000, 10**9))

    def message(chat_id: int) -> dict[str, Any]:
        return {
            "message_id": next(next_id),
            "date": 1_772_870_400,
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT,
            "text": "ok",
        }

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form: Any = {}
        if request.content_type == "application/json":  # the adapter's calls (transport.py)
            form = await request.json()
        elif request.can_read_body:
            form = await request.post()
        result: Any = True
        if method == "getMe":
            result = BOT
        elif method == "getUpdates":
            offset = int(str(form.get("offset") or 0))
            state["updates"] = [u for u in state["updates"] if u["update_id"] >= offset]
            if not state["updates"]:
                arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrived.wait(), float(str(form.get("timeout") or 0)))
            result = state["updates"][:100]
            if result and state["first"] is None:
                state["first"] = time.perf_counter()
        elif method in {"sendMessage", "editMessageReplyMarkup", "editMessageText"}:
            result = message(int(str(form.get("chat_id") or 1)))
            if method in state["counted"]:
                state["replies"] += 1
                if state["replies"] >= state["target"] > 0:
                    done.set()
        return web.json_response({"ok": True, "result": result})

    async def load(request: web.Request) -> web.Response:
        body = await request.json()
        state.update(updates=body["updates"], replies=0, target=body["target"], first=None)
        state["counted"] = set(body.get("counted") or ["sendMessage", "editMessageText"])
        done.clear()
        arrived.set()
        return web.json_response({"ok": True})

    async def wait(request: web.Request) -> web.Response:
        await done.wait()
        elapsed = time.perf_counter() - (state["first"] or time.perf_counter())
        return web.json_response({"elapsed": elapsed, "replies": state["replies"]})

    app = web.Application(client_max_size=200 * 1024 * 1024)
    app.router.add_route("*", "/bot{token}/{method}", api)
    app.router.add_post("/load", load)
    app.router.add_get("/wait", wait)
    serve_on_loopback(app, port_pipe)


# ----------------------------------------------------------------- the bots


def echo_application(base: str, concurrency: int = 1) -> Application[Any, Any, Any, Any, Any, Any]:
    """The floor: reply with the text, nothing else (PTB defaults unless ``concurrency``)."""

    async def echo(update: Update, context: Any) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    builder = (
        ApplicationBuilder().token(TOKEN).base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    )
    if concurrency > 1:
        builder = builder.concurrent_updates(PerChatUpdateProcessor(concurrency))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


async def run_round(
    application: Application[Any, Any, Any, Any, Any, Any],
    base: str,
    updates: list[dict[str, Any]],
    counted: tuple[str, ...] = ("sendMessage", "editMessageText"),
) -> float:
    """Updates per second for one batch, from the first fetch to the last reply (a call
    of a ``counted`` method: the message the person waits for)."""
    async with httpx.AsyncClient(timeout=600) as control, application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=10)
        try:
            load = {"updates": updates, "target": len(updates), "counted": list(counted)}
            await control.post(f"{base}/load", json=load)
            result = (await control.get(f"{base}/wait")).json()
        finally:
            await application.updater.stop()
            await application.stop()
    return len(updates) / float(result["elapsed"])


# ------------------------------------------------------------------ set-up


def seed_people(app: App, count: int) -> None:
    """``count`` enrolled Telegram users, bulk-inserted (ids 1..count)."""
    people = Person.__table__  # type: ignore[attr-defined]
    identities = Identity.__table__  # type: ignore[attr-defined]
    base = Person(created_at=NOW).model_dump(exclude={"id"})
    with app.engine.begin() as connection:
        rows = [{**base, "display_name": f"bench {i}"} for i in range(count)]
        for start in range(0, count, 20_000):
            connection.execute(insert(people), rows[start : start + 20_000])
        ids = connection.execute(select(people.c.id).order_by(people.c.id)).scalars().all()
        links = [
            {"person_id": pid, "platform": "telegram", "external_id": str(pid), "created_at": NOW}
            for pid in ids
        ]
        for start in range(0, count, 20_000):
            connection.execute(insert(identities), links[start : start + 20_000])


def right_answer(question: Question) -> str:
    """An answer of the right shape: what a person who knows it would send."""
    if isinstance(question, SingleChoice):
        return str(next(i for i, o in enumerate(question.options) if o.correct) + 1)
    if isinstance(question, MultipleChoice):
        return " ".join(str(i + 1) for i, o in enumerate(question.options) if o.correct)
    if isinstance(question, TrueFalse):
        return "true" if question.answer else "false"
    if isinstance(question, ShortAnswer):
        return question.accepted[0]
    return question.model_answer


def _tap(
    update_id: int, person: int, user: dict[str, Any], chat: dict[str, Any], data: str
) -> dict[str, Any]:
    """A button tap by ``user`` on the bot's question message, carrying ``data``."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"q{person}",
            "from": user,
            "chat_instance": "c",
            "data": data,
            "message": {"message_id": 5, "date": 1, "chat": chat, "text": "q"},
        },
    }


def prepare(
    app: App, first: int, count: int, kind: str, next_update: Any
) -> tuple[list[dict[str, Any]], int, list[tuple[int, QuestionView]]]:
    """Open a question for persons ``first..`` and build one answer update each.

    Returns the updates, the next unused person id, and the (person, question) pairs.
    """
    updates: list[dict[str, Any]] = []
    asked: list[tuple[int, QuestionView]] = []
    person = first
    while len(updates) < count:
        view = app.practice.next_question(person)
        person += 1
        if view is None:
            continue
        question = app.bank.get(view.question_id)
        assert question is not None
        wanted = (
            (kind in {"choice", "tap", "rate"} and view.type in CHOICE)
            or (kind == "open" and view.type not in CHOICE | {QuestionType.SHORT_ANSWER})
            or kind == "mix"
        )
        if not wanted:
            app.practice.skip(person - 1, view.attempt_id)
            continue
        asked.append((person - 1, view))
        user = {"id": person - 1, "is_bot": False, "first_name": f"P{person - 1}"}
        chat = {"id": person - 1, "type": "private"}
        if kind == "rate":
            # answered just before (not timed); every other person overrides the suggestion
            done = app.practice.submit_answer(person - 1, view.attempt_id, right_answer(question))
            rating = done.suggested or Rating.GOOD
            if person % 2:
                rating = Rating.AGAIN if rating is not Rating.AGAIN else Rating.GOOD
            updates.append(
                _tap(next_update(), person, user, chat, f"ip:r:{done.review_id}:{int(rating)}")
            )
            continue
        if kind == "tap" and view.type is not QuestionType.MULTIPLE_CHOICE:
            index = (
                int(right_answer(question)) - 1
                if view.type is not QuestionType.TRUE_FALSE
                else (0 if right_answer(question) == "true" else 1)
            )
            verb = "t" if view.type is QuestionType.TRUE_FALSE else "a"
            updates.append(
                _tap(next_update(), person, user, chat, f"ip:{verb}:{view.attempt_id}:{index}")
            )
            continue
        if kind == "tap":
            app.practice.skip(person - 1, view.attempt_id)
            asked.pop()
            continue
        updates.append(
            {
                "update_id": next_update(),
                "message": {
                    "message_id": 7,
                    "date": 1_772_870_400,
                    "chat": chat,
                    "from": user,
                    "text": right_answer(question)[:4096],
                },
            }
        )
    return updates, person, asked


async def deliver(
    application: Application[Any, Any, Any, Any, Any, Any],
    app: App,
    base: str,
    asked: list[tuple[int, QuestionView]],
) -> None:
    """Send the questions as the delivery engine would (through the adapter's sender,
    which remembers them for the answers); not timed."""
    bot = Bot(TOKEN, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
    async with bot:
        sender = TelegramSender(bot, app, memory_of(application))
        for number, (person, view) in enumerate(asked):
            message = DailyQuestion(
                delivery_id=number,
                address=Address("telegram", str(person)),
                person_id=person,
                local_date=NOW.date(),
                question=view,
                streak=0,
            )
            await sender.send(message)


def as_echo(updates: list[dict[str, Any]], next_update: Any) -> list[dict[str, Any]]:
    """The same updates for the echo bot: button taps become text messages."""
    echo = []
    for update in updates:
        if "message" in update:
            echo.append({"update_id": next_update(), "message": {**update["message"]}})
            continue
        query = update["callback_query"]
        message = {
            "message_id": 7,
            "date": 1,
            "chat": query["message"]["chat"],
            "from": query["from"],
            "text": query["data"],
        }
        echo.append({"update_id": next_update(), "message": message})
    return echo


def rss_probe(
    url: str, base: str, updates: list[dict[str, Any]], out: Any, counted: tuple[str, ...]
) -> None:
    """A fresh bot process: the App over the seeded database, the full Application
    answering ``updates`` through the fake; sends back (RSS, peak RSS) in MB."""
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings(database_url=url, fuzz_intervals=False, telegram_token=TOKEN)
    app = build_app(settings, clock=FixedClock(NOW), migrate=False)
    settle_heap()  # as `interviewprep run` does after start-up
    application = build_application(app, TOKEN, base_url=base)
    rate = asyncio.run(run_round(application, base, updates, counted))
    out.send((*rss_mb(), rate))


def rss_mb() -> tuple[float, float]:
    """Current and peak resident set size of this process, in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--kind", choices=["mix", "choice", "open", "tap", "rate"], default="mix")
    parser.add_argument("--database-url")
    parser.add_argument(
        "--delivered",
        action="store_true",
        help="send each question through the adapter's delivery sender first (the daily "
        "flow: the bot then knows the open question); default: opened elsewhere",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=CONCURRENT_UPDATES,
        help="updates of different chats the full bot handles at once (1: sequential)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_fake, args=(child,), daemon=True
    )
    server.start()
    base = f"http://127.0.0.1:{parent.recv()}"

    folder = Path(tempfile.mkdtemp(prefix="interviewprep-tg-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    settings = load_settings(database_url=url, fuzz_intervals=False, telegram_token=TOKEN)
    app = build_app(settings, clock=FixedClock(NOW))
    settle_heap()  # as `interviewprep run` does after start-up
    started = time.perf_counter()
    seed_people(app, args.people)
    print(f"seeded {args.people:,} people in {time.perf_counter() - started:.1f} s")
    counter = iter(range(1, 10**9))

    def next_update() -> int:
        return next(counter)

    # warm-up: imports, the grader's compiled rubrics (a running bot has them after the
    # first answer to each question), connection pools; not reported
    for question in app.bank:
        app.practice.grader.grade(question, right_answer(question))
    # the call that shows the person the outcome of their update
    counted = (
        ("editMessageReplyMarkup",) if args.kind == "rate" else ("sendMessage", "editMessageText")
    )
    warm, first, _ = prepare(app, 1, 50, args.kind, next_update)
    await run_round(echo_application(base), base, as_echo(warm, next_update))
    full = build_application(app, TOKEN, base_url=base)
    await run_round(full, base, warm, counted)

    echo_rates: list[float] = []
    echo_concurrent: list[float] = []
    full_rates: list[float] = []
    for round_ in range(args.rounds):
        updates, first, asked = prepare(app, first, args.answers, args.kind, next_update)
        echo = as_echo(updates, next_update)
        echo_rates.append(await run_round(echo_application(base), base, echo))
        again = [{**u, "update_id": next_update()} for u in echo]
        same = echo_application(base, CONCURRENT_UPDATES)
        echo_concurrent.append(await run_round(same, base, again))
        full = build_application(app, TOKEN, base_url=base, concurrency=args.concurrency)
        if args.delivered:
            await deliver(full, app, base, asked)
        if args.kind == "rate":  # the bot knows who just answered (it showed the result)
            for person, _view in asked:
                memory_of(full).persons.put(person, person)
        full_rates.append(await run_round(full, base, updates, counted))
        print(
            f"round {round_ + 1}: echo {echo_rates[-1]:.0f}/s, echo with the adapter's "
            f"update processor {echo_concurrent[-1]:.0f}/s, full {full_rates[-1]:.0f}/s "
            f"({full_rates[-1] / echo_rates[-1]:.2f}x"
            f" / {full_rates[-1] / echo_concurrent[-1]:.2f}x)"
        )
    # RSS of a bot process of its own (the seeding above is not part of it)
    probe_updates, first, _ = prepare(app, first, args.answers, args.kind, next_update)
    receive, send = multiprocessing.Pipe()
    spawn = multiprocessing.get_context("spawn")
    probe = spawn.Process(target=rss_probe, args=(url, base, probe_updates, send, counted))
    probe.start()
    rss, peak, _rate = receive.recv()
    probe.join()
    print(f"bot process after {len(probe_updates)} answers: RSS {rss:.0f} MB (peak {peak:.0f} MB)")
    echo_median, full_median = statistics.median(echo_rates), statistics.median(full_rates)
    same_median = statistics.median(echo_concurrent)
    # paired: each round's full run against the echo runs just before it (the machine's
    # load drifts between rounds; the ratio within a round is the robust figure)
    ratio = statistics.median(f / e for f, e in zip(full_rates, echo_rates, strict=True))
    ratio_same = statistics.median(f / e for f, e in zip(full_rates, echo_concurrent, strict=True))
    print(
        json.dumps(
            {
                "kind": args.kind,
                "questions": "delivered by the bot" if args.delivered else "opened elsewhere",
                "concurrency": args.concurrency,
                "answers_per_round": args.answers,
                "database": "sqlite file" if args.database_url is None else "postgresql",
                "people": args.people,
                "echo_updates_per_s": round(echo_median),
                "full_updates_per_s": round(full_median),
                "ratio_median_of_rounds": round(ratio, 2),
                "echo_same_processor_updates_per_s": round(same_median),
                "ratio_same_processor_median_of_rounds": round(ratio_same, 2),
                "bot_process_rss_mb": round(rss, 1),
                "bot_process_peak_rss_mb": round(peak, 1),
                "cpu_count": os.cpu_count(),
            },
            indent=2,
        )
    )
    app.close()
    server.kill()


if __name__ == "__main__":
    asyncio.run(main())
