"""The real discord.py client against a fake Discord on 127.0.0.1, over the real core.

Each test gets a fresh SQLite file, the fixture pack, the real default grader, a fixed
clock, a real :class:`DeliveryEngine`, and the bot started with
:func:`interviewprep.adapters.discord.bot.serve` (the same entry point as production).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord.gateway
import discord.http
import pytest

from interviewprep.adapters.discord.bot import InterviewBot, serve
from interviewprep.app import App, build_app
from interviewprep.config import load_settings
from interviewprep.delivery.engine import DeliveryEngine
from interviewprep.delivery.limits import RateLimiter
from interviewprep.delivery.messages import RateLimits
from interviewprep.domain.clock import FixedClock
from tests.adapters.discord.fake_discord import (
    ADMIN_PERMISSIONS,
    MEMBER_PERMISSIONS,
    Exchange,
    FakeDiscord,
    FakeGuild,
    custom_ids,
    user,
)

PACKS = Path(__file__).parents[2] / "fixtures" / "packs"


class Harness:
    """A fake Discord, the App, the delivery engine and the running bot."""

    def __init__(self, fake: FakeDiscord, app: App, clock: FixedClock) -> None:
        self.fake = fake
        self.app = app
        self.clock = clock
        self.engine = DeliveryEngine(app, clock=clock)
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.alice = user("Alice")  # server owner, admin
        self.bob = user("Bob")
        self.carol = user("Carol")
        self.guild: FakeGuild = fake.add_guild("Study Group", self.alice)
        self.channel = self.guild.add_channel("daily-question")
        self.general = self.guild.add_channel("general")

    @property
    def bot(self) -> InterviewBot:
        """The bot serve() built (its sender is registered with the engine)."""
        client = self.engine.senders["discord"].client  # type: ignore[attr-defined]
        assert isinstance(client, InterviewBot)
        return client

    async def start(self) -> None:
        """serve() the bot and wait until it is connected and ready."""
        self.stop = asyncio.Event()
        self.engine.senders.pop("discord", None)
        self.task = asyncio.create_task(
            serve(self.app, self.engine, self.stop, guild_ready_timeout=0.05, defer_after=1.0)
        )
        for _ in range(500):
            if "discord" in self.engine.senders:
                break
            await asyncio.sleep(0.01)
        await asyncio.wait_for(self.fake.ready.wait(), 5)
        await asyncio.wait_for(self.bot.wait_until_ready(), 5)
        # tests deliver many days in a row to one channel within a second of real time
        self.engine.limiters["discord"] = RateLimiter(RateLimits(1000.0, 0.0))

    async def shutdown(self) -> None:
        """Set the stop event and wait for serve() to return."""
        self.stop.set()
        if self.task is not None:
            await asyncio.wait_for(self.task, 15)
            self.task = None

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database."""
        await self.shutdown()
        self.fake.ready.clear()
        await self.start()

    # ---------------------------------------------------------- interactions

    async def slash(
        self,
        name: str,
        who: dict[str, Any],
        options: dict[str, Any] | None = None,
        sub: str | None = None,
        admin: bool = False,
        dm: bool = False,
        guild: FakeGuild | None = None,
    ) -> Exchange:
        """Run a slash command as ``who`` (in the server unless ``dm``)."""
        payload = self.fake.slash_payload(
            name,
            who,
            None if dm else (guild or self.guild),
            options,
            sub,
            permissions=ADMIN_PERMISSIONS if admin else MEMBER_PERMISSIONS,
            channel_id=None if dm or guild else self.general,
        )
        return await self.fake.interact(payload)

    async def click(
        self,
        message: dict[str, Any],
        custom_id: str,
        who: dict[str, Any],
        dm: bool = False,
        values: list[str] | None = None,
        guild: FakeGuild | None = None,
    ) -> Exchange:
        """Click a component of a message the bot sent."""
        assert custom_id in custom_ids(message), (custom_id, custom_ids(message))
        payload = self.fake.click_payload(
            message, custom_id, who, None if dm else (guild or self.guild), values
        )
        return await self.fake.interact(payload)

    async def submit(
        self, custom_id: str, answer: str, who: dict[str, Any], dm: bool = False
    ) -> Exchange:
        """Submit the answer modal."""
        payload = self.fake.modal_payload(
            custom_id, {"answer": answer}, who, None if dm else self.guild, self.channel
        )
        return await self.fake.interact(payload)

    async def setup_group(self, time: str = "09:30", packs: str | None = None) -> Exchange:
        """An admin sets up the daily question in the channel."""
        options: dict[str, Any] = {"channel": self.channel, "time": time, "timezone": "UTC"}
        if packs:
            options["packs"] = packs
        return await self.slash("setup", self.alice, options, sub="channel", admin=True)

    async def deliver(self, minutes: int = 31) -> Any:
        """Move the clock past the delivery time and tick the engine once."""
        self.clock.advance(timedelta(minutes=minutes))
        return await self.engine.tick()


def button(exchange_or_payload: Exchange | dict[str, Any], prefix: str) -> str:
    """The first custom_id starting with ``prefix`` in a reply."""
    payload = (
        exchange_or_payload.last
        if isinstance(exchange_or_payload, Exchange)
        else exchange_or_payload
    )
    for custom_id in custom_ids(payload):
        if custom_id.startswith(prefix):
            return custom_id
    raise AssertionError(f"no {prefix} component in {custom_ids(payload)}")


@pytest.fixture
def app(tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    """The real core over a temp SQLite file and the fixture pack (no built-in packs)."""
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'discord.db'}",
        builtin_packs=False,
        pack_dirs=[PACKS],
        fuzz_intervals=False,
        discord_token="test-token-never-logged",
    )
    built = build_app(settings, clock=clock)
    yield built
    built.close()


@pytest.fixture
async def harness(
    app: App, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    """The fake Discord with one server (owner Alice), the bot connected to it."""
    fake = FakeDiscord()
    await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", fake.gateway_url)
    h = Harness(fake, app, clock)
    await h.start()
    try:
        yield h
    finally:
        await h.shutdown()
        await fake.close()
