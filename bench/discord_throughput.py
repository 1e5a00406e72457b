"""Slash-command answers per second through a fake Discord: full pipeline vs a bare bot.

    python bench/discord_throughput.py [--interactions 2000] [--concurrency 8] [--rounds 3]
                                       [--command streak] [--database-url postgresql://...]

Both bots are the real discord.py client connected to the same fake gateway and REST
API on 127.0.0.1 (tests/adapters/discord/fake_discord.py), in the same run, answering
the same INTERACTION_CREATE payloads from 200 members of one server:

* **bare**: a ``discord.Client`` with a command tree whose commands answer "pong" with
  one ``send_message`` (the floor: gateway parsing + one HTTP callback);
* **full**: :class:`interviewprep.adapters.discord.bot.InterviewBot` over the real App
  (built-in bank, default grader, a migrated database, a group set up for the server):
  ``respond()`` with its worker thread, per-member lock, enrolment lookup, the
  services and rendering.

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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fake Discord lives with the tests

import discord  # noqa: E402
import discord.gateway  # noqa: E402
import discord.http  # noqa: E402
from discord import app_commands  # noqa: E402
from tests.adapters.discord.fake_discord import FakeDiscord, user  # noqa: E402

from common import database_argument, fresh_engine  # noqa: E402
from interviewprep.adapters.discord.bot import InterviewBot  # noqa: E402
from interviewprep.app import assemble, load_packs  # noqa: E402
from interviewprep.config import load_settings  # noqa: E402
from interviewprep.domain.clock import system_clock  # noqa: E402
from interviewprep.grading import default_grader  # noqa: E402

COMMANDS = ("streak", "stats", "help", "today", "leaderboard")


class BareBot(discord.Client):
    """The floor: same commands, each answered with one static ephemeral message."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.none(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        for name in COMMANDS:
            self.tree.add_command(_pong(name))

    async def setup_hook(self) -> None:
        await self.tree.sync()


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
) -> tuple[float, float]:
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
            fake.exchanges.pop(payload["token"], None)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return len(payloads) / elapsed, latencies[int(len(latencies) * 0.95)] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interactions", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--command", default="streak", choices=COMMANDS)
    database_argument(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    engine, label, cleanup = fresh_engine(args.database_url)
    settings = load_settings(fuzz_intervals=False)
    app = assemble(settings, engine, load_packs(settings), default_grader(), system_clock)

    fake = FakeDiscord()
    fake.record = False
    await fake.start()
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = fake.gateway_url
    owner = user("Owner")
    guild = fake.add_guild("Bench", owner)
    channel = guild.add_channel("daily")
    members = [user(f"member{i}") for i in range(200)]
    app.groups.setup(
        "discord",
        guild.id,
        channel_id=channel,
        name="Bench",
        timezone="UTC",
        delivery_time="09:00",
    )

    def payloads() -> list[dict[str, Any]]:
        return [
            fake.slash_payload(args.command, members[i % len(members)], guild)
            for i in range(args.interactions)
        ]

    results: dict[str, list[tuple[float, float]]] = {"bare": [], "full": []}
    try:
        # warm up: enrol every member once, sync both command trees
        full = InterviewBot(app, guild_ready_timeout=0.05)
        task = await _run_bot(full, fake)
        await _measure(fake, payloads()[: len(members)], args.concurrency)
        await full.close()
        await task
        for _ in range(args.rounds):
            for name in ("bare", "full"):
                client: discord.Client = (
                    BareBot() if name == "bare" else InterviewBot(app, guild_ready_timeout=0.05)
                )
                task = await _run_bot(client, fake)
                batch = payloads()
                results[name].append(await _measure(fake, batch, args.concurrency))
                await client.close()
                await task
    finally:
        await fake.close()
        app.close()
        cleanup()

    print(
        f"/{args.command}: {args.interactions} interactions x {args.rounds} rounds, "
        f"{args.concurrency} in flight, {label}"
    )
    rates: dict[str, float] = {}
    for name, runs in results.items():
        rates[name] = statistics.median(r for r, _ in runs)
        p95 = statistics.median(p for _, p in runs)
        print(f"  {name:>4}: {rates[name]:7.0f} answers/s (median), p95 ack {p95:5.1f} ms")
    print(f"  ratio full/bare: {rates['full'] / rates['bare']:.2f} (target >= 0.70)")


if __name__ == "__main__":
    asyncio.run(main())
