"""`interviewprep run telegram|discord|all`: the bots and the delivery engine in one loop.

The runner owns the one APScheduler of the process and the delivery engine; each chat
adapter only registers a sender and serves its platform until told to stop.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import signal
from collections.abc import Sequence
from datetime import UTC
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from interviewprep.app import App, build_app
from interviewprep.config import ConfigError, Settings, load_settings
from interviewprep.delivery.engine import DeliveryEngine
from interviewprep.logsafe import RedactSecrets

logger = logging.getLogger(__name__)

PLATFORMS = ("telegram", "discord")

# The collector's thresholds once start-up is done: the youngest generation is collected
# every 10,000 container allocations instead of 700 (an interaction allocates a few
# thousand, and every collection promoted the ones still in flight to older generations,
# which then filled up and were scanned sooner); the older generations keep their default.
GC_THRESHOLDS = (10_000, 10, 10)


class _Adapter(Protocol):
    async def serve(self, app: App, engine: DeliveryEngine, stop: asyncio.Event) -> None: ...


def install_redaction(settings: Settings) -> None:
    """Redact the configured tokens on every handler of the root logger."""
    tokens = [t.get_secret_value() for t in (settings.telegram_token, settings.discord_token) if t]
    redact = RedactSecrets(tokens)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


def settle_heap() -> None:
    """Keep what start-up built out of the garbage collector's scans.

    The question bank, the grader and the libraries' modules (about 140,000
    objects with the built-in bank) live as long as the process, yet every full
    collection scanned them all again: 80-160 ms each, stopping every interaction in
    hand, several times per thousand interactions. :func:`gc.freeze` moves them to a
    generation that is never scanned (they are still freed by reference counting if
    dropped); the thresholds (:data:`GC_THRESHOLDS`) make young collections rarer. Call
    once, after the app is built and before serving.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def check_tokens(settings: Settings, platforms: Sequence[str]) -> None:
    """Fail fast, naming the variable, when a platform's token is missing."""
    missing = [
        f"INTERVIEWPREP_{p.upper()}_TOKEN is not set (needed by `run {p}`)"
        for p in platforms
        if getattr(settings, f"{p}_token") is None
    ]
    if missing:
        raise ConfigError("\n".join(missing))


async def serve(app: App, platforms: Sequence[str], stop: asyncio.Event) -> None:
    """Run the adapters for ``platforms`` and the delivery engine until ``stop`` is set."""
    engine = DeliveryEngine(app)
    adapters: list[_Adapter] = [
        importlib.import_module(f"interviewprep.adapters.{p}.bot") for p in platforms
    ]
    tasks = [asyncio.create_task(a.serve(app, engine, stop)) for a in adapters]
    scheduler = AsyncIOScheduler(timezone=UTC)
    engine.start(scheduler)
    scheduler.start()
    waiter = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([*tasks, waiter], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not waiter and task.exception() is not None:
                logger.error("an adapter stopped with an error; shutting down")
    finally:
        stop.set()
        scheduler.shutdown(wait=False)
        await engine.stop()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        waiter.cancel()
        for result in results:
            if isinstance(result, BaseException):
                raise result


def run(platforms: Sequence[str]) -> int:
    """Blocking entry point of `interviewprep run`; returns the exit code."""
    settings = load_settings()
    check_tokens(settings, platforms)
    logging.getLogger().setLevel(settings.log_level)
    install_redaction(settings)
    app = build_app(settings)
    settle_heap()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        logger.info("running %s", ", ".join(platforms))
        await serve(app, platforms, stop)

    try:
        asyncio.run(main())
    finally:
        app.close()
    return 0
