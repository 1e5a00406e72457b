"""Start-up: commands synced with descriptions, minimal intents, /help."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from interviewprep.adapters.discord.bot import serve
from interviewprep.adapters.discord.flows import Actor
from interviewprep.adapters.discord.reply import Reply
from interviewprep.config import ConfigError
from tests.adapters.discord.conftest import Harness
from tests.adapters.discord.fake_discord import MESSAGE_CONTENT_INTENT


async def test_start_syncs_commands_with_minimal_intents(harness: Harness) -> None:
    names = {c["name"] for c in harness.fake.commands}
    assert names >= {"practice", "today", "streak", "stats", "leaderboard", "settings"}
    reply = await harness.slash("help", harness.bob)
    assert "/practice" in reply.text
    assert reply.ephemeral
    assert not harness.fake.identify[-1]["intents"] & MESSAGE_CONTENT_INTENT


async def test_shutdown_and_a_refused_token(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.shutdown()
    assert harness.bot.is_closed()
    harness.fake.valid_token = "the-right-token"

    with pytest.raises(ConfigError) as refused:
        await serve(harness.app, harness.engine, asyncio.Event(), guild_ready_timeout=0.05)

    assert "INTERVIEWPREP_DISCORD_TOKEN" in str(refused.value)
    assert "test-token-never-logged" not in caplog.text
    assert "test-token-never-logged" not in str(refused.value)


async def test_missing_token_names_the_variable(harness: Harness) -> None:
    settings = harness.app.settings.model_copy(update={"discord_token": None})
    app = replace(harness.app, settings=settings)
    with pytest.raises(ConfigError, match="INTERVIEWPREP_DISCORD_TOKEN is not set"):
        await serve(app, harness.engine, asyncio.Event())


async def test_stop_finishes_the_interaction_in_hand(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    flows = harness.bot.flows
    real = flows.streak

    def slow(actor: Actor) -> Reply:
        time.sleep(0.5)
        return real(actor)

    monkeypatch.setattr(flows, "streak", slow)
    payload = harness.fake.slash_payload("streak", harness.bob, harness.guild)
    exchange = await harness.fake.send_interaction(payload)
    await asyncio.sleep(0.1)

    await harness.shutdown()

    assert exchange.settled
    assert "Your streak" in exchange.text


async def test_slow_work_is_deferred_then_answered_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    flows = harness.bot.flows
    real = flows.stats

    def slow(actor: Actor) -> Reply:
        time.sleep(1.3)  # the harness defers after 1.0 s
        return real(actor)

    monkeypatch.setattr(flows, "stats", slow)

    answer = await harness.slash("stats", harness.bob)

    assert [c["type"] for c in answer.callbacks] == [5]  # deferred ("thinking"), once
    assert answer.ephemeral
    assert answer.acked_at is not None
    assert answer.acked_at - answer.sent_at < 3.0
    assert "Your progress" in answer.text


async def test_autocomplete_offers_topics_and_time_zones(harness: Harness) -> None:
    payload = harness.fake.autocomplete_payload("practice", harness.bob, "topic", "ach", None)
    answer = await harness.fake.interact(payload)
    assert answer.type == 8
    assert [c["value"] for c in answer.callbacks[0]["data"]["choices"]] == ["caching"]
    payload = harness.fake.autocomplete_payload(
        "settings", harness.bob, "timezone", "berl", harness.guild
    )
    answer = await harness.fake.interact(payload)
    assert [c["value"] for c in answer.callbacks[0]["data"]["choices"]] == ["Europe/Berlin"]


async def test_server_commands_are_not_offered_in_dms(harness: Harness) -> None:
    commands = {c["name"]: c for c in harness.fake.commands}
    assert commands["practice"]["contexts"] == [0, 1]
    assert commands["leaderboard"]["contexts"] == [0]
    assert commands["setup"]["contexts"] == [0]
