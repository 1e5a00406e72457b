"""Where an answer update's milliseconds go, in process (no sockets).

    python bench/telegram_profile.py [--answers 1000] [--rounds 3] [--people 100000]
                                     [--kind choice|open|tap|rate|mix] [--delivered]
                                     [--profile 25] [--echo]

The full Application (:func:`build_application`, the wiring ``interviewprep run
telegram`` uses, minus the updater) handles answer updates through
``Application.process_update``; Bot API calls are answered from memory by a canned
:class:`telegram.request.BaseRequest` (the same replies as the throughput benchmark's
fake server), so only the bot's own CPU is measured. Updates are prepared exactly as in
``bench/telegram_throughput.py`` (a SQLite file, ``--people`` enrolled, every update a
different person answering their open question). Prints ms per update (the minimum
of ``--rounds`` batches: the machine may be shared), then (with ``--profile N``) the
cProfile top ``N`` by cumulative and by internal time over another batch. ``--echo``:
the bare PTB echo bot over the same updates, for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import pstats
import sys
import tempfile
import time
from itertools import count
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from telegram import Update  # noqa: E402
from telegram.ext import ApplicationBuilder, MessageHandler, filters  # noqa: E402
from telegram.request import BaseRequest, RequestData  # noqa: E402

from interviewprep.adapters.telegram.application import build_application, memory_of  # noqa: E402
from interviewprep.app import build_app  # noqa: E402
from interviewprep.config import load_settings  # noqa: E402
from interviewprep.domain.clock import FixedClock  # noqa: E402
from telegram_throughput import (  # noqa: E402
    BOT,
    NOW,
    TOKEN,
    as_echo,
    prepare,
    right_answer,
    seed_people,
)


class CannedRequest(BaseRequest):
    """Answers every Bot API call at once, as the throughput benchmark's fake does."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self._ids = count(10_000)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        self.calls[name] = self.calls.get(name, 0) + 1
        result: Any = True
        if name == "getMe":
            result = BOT
        elif name in {"sendMessage", "editMessageReplyMarkup", "editMessageText"}:
            params = request_data.parameters if request_data else {}
            result = {
                "message_id": next(self._ids),
                "date": 1_772_870_400,
                "chat": {"id": int(str(params.get("chat_id", 1))), "type": "private"},
                "from": BOT,
                "text": "ok",
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


def echo_application(request: CannedRequest) -> Any:
    async def echo(update: Update, context: Any) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    application = ApplicationBuilder().token(TOKEN).request(request).updater(None).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


async def run(application: Any, updates: list[dict[str, Any]]) -> float:
    """ms per update over ``updates`` (sequential ``process_update``)."""
    parsed = [Update.de_json(u, application.bot) for u in updates]
    started = time.perf_counter()
    for update in parsed:
        await application.process_update(update)
    return (time.perf_counter() - started) * 1000 / len(updates)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument(
        "--kind", choices=["mix", "choice", "open", "tap", "rate"], default="choice"
    )
    parser.add_argument("--delivered", action="store_true")
    parser.add_argument("--profile", type=int, default=0, help="print the cProfile top N")
    parser.add_argument("--echo", action="store_true", help="also time the bare echo bot")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    folder = Path(tempfile.mkdtemp(prefix="interviewprep-tg-profile-"))
    settings = load_settings(
        database_url=f"sqlite:///{folder / 'bench.db'}", fuzz_intervals=False, telegram_token=TOKEN
    )
    app = build_app(settings, clock=FixedClock(NOW))
    seed_people(app, args.people)
    for question in app.bank:
        app.practice.grader.grade(question, right_answer(question))
    counter = count(1)

    def next_update() -> int:
        return next(counter)

    request = CannedRequest()
    application = build_application(app, TOKEN, request=request, updater=False)
    await application.initialize()
    echo = echo_application(CannedRequest())
    await echo.initialize()
    memory = memory_of(application)

    def batch(first: int, size: int) -> tuple[list[dict[str, Any]], int]:
        updates, after, asked = prepare(app, first, size, args.kind, next_update)
        if args.delivered:
            for person, view in asked:
                memory.asked(person, view.attempt_id, person)
        if args.kind == "rate":  # the bot knows who just answered (it showed the result)
            for person, _view in asked:
                memory.persons.put(person, person)
        return updates, after

    warm, first = batch(1, 50)
    await run(application, warm)
    await run(echo, as_echo(warm, next_update))
    # rounds of full then echo; the minimum per update is the figure (the machine is
    # shared: the minimum is the run least disturbed by other work)
    full_ms: list[float] = []
    echo_ms: list[float] = []
    calls: dict[str, float] = {}
    for _ in range(args.rounds):
        updates, first = batch(first, args.answers)
        request.calls.clear()
        full_ms.append(await run(application, updates))
        calls = {k: round(v / len(updates), 2) for k, v in request.calls.items()}
        if args.echo:
            echo_ms.append(await run(echo, as_echo(updates, next_update)))
    result: dict[str, Any] = {
        "kind": args.kind,
        "questions": "delivered by the bot" if args.delivered else "opened elsewhere",
        "full_ms_per_update": round(min(full_ms), 3),
        "full_ms_rounds": [round(x, 3) for x in full_ms],
        "bot_api_calls_per_update": calls,
    }
    if args.echo:
        result["echo_ms_per_update"] = round(min(echo_ms), 3)
    print(json.dumps(result))
    if args.profile:
        updates, first = batch(first, args.answers)
        profiler = cProfile.Profile()
        profiler.enable()
        await run(application, updates)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
    await application.shutdown()
    await echo.shutdown()
    app.close()


if __name__ == "__main__":
    asyncio.run(main())
