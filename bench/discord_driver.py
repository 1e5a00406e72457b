"""The Discord side of ``bench/discord_throughput.py``: the fake Discord and the load driver.

It stands for Discord's servers and users: a :class:`FakeDiscord` (gateway + REST API
on 127.0.0.1) and the driver that sends INTERACTION_CREATE payloads, keeps a number in
flight and times each one until its callback reaches the fake. The throughput bench
runs it in a process of its own (:func:`serve`, commands over a ``multiprocessing``
pipe), so that the bot process's CPU time is the bot's own; ``--in-process`` calls a
:class:`Driver` directly on the bot's event loop instead (the old figures).
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the fake Discord lives with the tests

from tests.adapters.discord.fake_discord import (  # noqa: E402
    Exchange,
    FakeDiscord,
    FakeGuild,
    custom_ids,
    user,
)

from common import receive  # noqa: E402

ANSWER_FIELD = "answer"  # the text input of the bot's answer modal (ids.ANSWER_FIELD)


@dataclasses.dataclass(frozen=True)
class Round:
    """What one round sends.

    Attributes:
        guild: the server (its name, as given to :meth:`Driver.add_guild`).
        members: the slice ``(start, stop)`` of the server's members who interact.
        concurrency: interactions in flight.
        command: a slash command's name, sent ``interactions`` times by the members in
            turn; or None for the answer rows (each member: *Answer* under ``post``, then
            a pick or the modal with ``answer``).
        interactions: slash commands to send.
        post: the id of the day's post (answer rows).
        answer: the text of a modal answer (answer rows).
        expect: custom_id prefixes of which the first response of the round must show one
            (None: no check).
    """

    guild: str
    members: tuple[int, int]
    concurrency: int
    command: str | None = None
    interactions: int = 0
    post: str = ""
    answer: str = ""
    expect: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True)
class Result:
    """One round as the driver saw it.

    Attributes:
        count: interactions answered.
        elapsed: wall seconds of the round.
        p95: seconds from sending an interaction to its callback, 95th percentile.
        cpu: CPU seconds of the driver's process over the round (with ``--in-process``,
            the bot's too).
    """

    count: int
    elapsed: float
    p95: float
    cpu: float


class Driver:
    """A fake Discord with servers and members, and the load driver on top of it."""

    def __init__(self) -> None:
        self.fake = FakeDiscord()
        self.fake.record = False  # the bench must not grow a list of every request
        self.owner = user("Owner")
        self.guilds: dict[str, FakeGuild] = {}
        self.members: dict[str, list[dict[str, Any]]] = {}

    async def start(self) -> tuple[str, str]:
        """Listen; returns the REST base and the gateway URL for discord.py."""
        await self.fake.start()
        return self.fake.api_base, str(self.fake.gateway_url)

    async def close(self) -> None:
        """Stop listening."""
        await self.fake.close()

    def add_guild(self, name: str, members: int, prefix: str) -> dict[str, Any]:
        """A server with a channel "daily" and ``members`` new members.

        Returns its id, the channel's id and the members as ``(id, username)`` pairs.
        """
        guild = self.fake.add_guild(name, self.owner)
        channel = guild.add_channel("daily")
        self.guilds[name] = guild
        self.members[name] = [user(f"{prefix}{i}") for i in range(members)]
        return {
            "guild": guild.id,
            "channel": channel,
            "members": [(m["id"], m["username"]) for m in self.members[name]],
        }

    def post(self, channel: str, body: dict[str, Any]) -> str:
        """A message the bot posted in ``channel`` (the day's question); returns its id."""
        message: dict[str, Any] = self.fake._message(channel, body, {})
        return str(message["id"])

    async def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        """:meth:`round` with plain data (what crosses the pipe): a :class:`Round`'s
        fields in, a :class:`Result`'s out."""
        return dataclasses.asdict(await self.round(Round(**spec)))

    async def round(self, spec: Round) -> Result:
        """Run one round; the payloads are built before the clock starts."""
        guild = self.guilds[spec.guild]
        start, stop = spec.members
        members = self.members[spec.guild][start:stop]
        checked = Check(spec.expect)
        if spec.command is not None:
            payloads = [
                self.fake.slash_payload(spec.command, members[i % len(members)], guild)
                for i in range(spec.interactions)
            ]
            return await _measure(self.fake, payloads, spec.concurrency, checked)
        post = self.fake.messages[spec.post]
        return await _measure_answers(
            self.fake, guild, post, members, spec.answer, spec.concurrency
        )


class Check:
    """The first response of a round must show one of the expected custom_ids (for
    ``/practice``: the question's option buttons, select or *Write* button), so that a
    round never measures an error reply."""

    def __init__(self, expect: tuple[str, ...] | None) -> None:
        self.expect = expect

    def __call__(self, exchange: Exchange) -> None:
        if self.expect is None:
            return
        expect, self.expect = self.expect, None
        first = exchange.callbacks[0]
        found = custom_ids(first.get("data") or {}) if first["type"] in (4, 7) else []
        assert any(c.startswith(expect) for c in found), f"not a question: {first}"


async def _acked(fake: FakeDiscord, payload: dict[str, Any]) -> tuple[Exchange, float]:
    """Send one interaction; wait for its callback; (the exchange, seconds to it)."""
    exchange = await fake.send_interaction(payload)
    while exchange.acked_at is None:
        exchange.changed.clear()
        await asyncio.wait_for(exchange.changed.wait(), 10)
    _forget(fake, payload, exchange)
    return exchange, exchange.acked_at - exchange.sent_at


async def _measure(
    fake: FakeDiscord, payloads: list[dict[str, Any]], concurrency: int, check: Check
) -> Result:
    """Send every payload keeping ``concurrency`` in flight."""
    latencies: list[float] = []
    queue = iter(payloads)

    async def worker() -> None:
        for payload in queue:
            exchange, latency = await _acked(fake, payload)
            check(exchange)
            latencies.append(latency)

    return await _timed(worker, concurrency, latencies)


async def _measure_answers(
    fake: FakeDiscord,
    guild: FakeGuild,
    post: dict[str, Any],
    members: list[dict[str, Any]],
    answer: str,
    concurrency: int,
) -> Result:
    """Each member: *Answer* under the post, then a pick or the modal."""
    latencies: list[float] = []
    queue = iter(members)
    button = next(c for c in custom_ids(post) if c.startswith("ip:ans:"))

    async def answered(payload: dict[str, Any]) -> dict[str, Any]:
        exchange, latency = await _acked(fake, payload)
        latencies.append(latency)
        return exchange.callbacks[0]

    async def worker() -> None:
        for member in queue:
            opened = await answered(fake.click_payload(post, button, member, guild))
            if opened["type"] == 9:  # the answer modal
                modal = opened["data"]["custom_id"]
                fields = {ANSWER_FIELD: answer}
                await answered(fake.modal_payload(modal, fields, member, guild, post["channel_id"]))
                continue
            message = opened["data"]
            picks = [c for c in custom_ids(message) if c.startswith("ip:pick:")]
            assert picks, f"no option buttons in {opened}"
            result = await answered(fake.click_payload(message, picks[0], member, guild))
            assert result["type"] == 7, result

    return await _timed(worker, concurrency, latencies)


async def _timed(worker: Any, concurrency: int, latencies: list[float]) -> Result:
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    latencies.sort()
    n = len(latencies)
    return Result(n, elapsed, latencies[int(n * 0.95)], cpu)


def _forget(fake: FakeDiscord, payload: dict[str, Any], exchange: Exchange) -> None:
    """Drop what the fake keeps of an answered interaction, so that neither bot's rounds
    slow down as the fake's records (and the garbage collector's work) grow."""
    fake.exchanges.pop(payload["token"], None)
    if exchange.original_id != exchange.message_id:  # not an edit of a kept message
        fake.messages.pop(exchange.original_id, None)  # type: ignore[arg-type]


def serve(conn: Any) -> None:
    """The fake's process: a :class:`Driver` answering commands from ``conn``.

    A command is ``(method, args)``; the answer ``("ok", value)`` or ``("error", text)``.
    The first message sent is the pair of URLs from :meth:`Driver.start`; ``None`` ends.
    """

    async def main() -> None:
        driver = Driver()
        conn.send(await driver.start())
        try:
            while (command := await receive(conn)) is not None:
                method, args = command
                try:
                    value = getattr(driver, method)(*args)
                    if asyncio.iscoroutine(value):
                        value = await value
                except Exception:  # reported to the bot's process, which raises it
                    conn.send(("error", traceback.format_exc()))
                else:
                    conn.send(("ok", value))
        finally:
            await driver.close()

    asyncio.run(main())
