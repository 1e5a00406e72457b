"""Answers run on the event loop on SQLite, and never make it wait for a write lock."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

from tests.adapters.discord.conftest import Harness, button
from tests.adapters.discord.fake_discord import Exchange
from tests.adapters.discord.test_daily import post_of, reviews


def _database(harness: Harness) -> str:
    database = harness.app.engine.url.database
    assert database is not None
    return database


async def _sent_while_locked(
    harness: Harness, payload: dict[str, Any], bystander: dict[str, Any]
) -> Exchange:
    """Send ``payload`` while another process holds the write lock, and settle it once
    the lock is free. Meanwhile the bot answers ``bystander``'s /help at once (the loop
    never waits for the lock), and ``payload`` is not answered (waiting on the database
    thread, not refused)."""
    other = sqlite3.connect(_database(harness), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        sent = await harness.fake.send_interaction(payload)
        started = time.perf_counter()
        help_reply = await harness.slash("help", bystander)
        assert time.perf_counter() - started < 0.5
        assert help_reply.text
        assert not sent.callbacks
    finally:
        other.rollback()
        other.close()
    await harness.fake.settle(sent)
    return sent


async def test_a_pick_while_another_process_writes_waits_without_stalling_the_bot(
    harness: Harness,
) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")
    opened = await harness.click(post, button(post, "ip:ans:"), harness.bob)
    pick = harness.fake.click_payload(
        opened.last, button(opened, "ip:pick:"), harness.bob, harness.guild
    )
    picked = await _sent_while_locked(harness, pick, harness.carol)
    assert "Score" in picked.text
    assert reviews(harness) == 1


async def test_an_answer_click_while_the_write_lock_is_held_opens_the_question(
    harness: Harness,
) -> None:
    await harness.setup_group()
    post = await post_of(harness, "choice")
    other = sqlite3.connect(_database(harness), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        clicked = await harness.fake.send_interaction(
            harness.fake.click_payload(post, button(post, "ip:ans:"), harness.carol, harness.guild)
        )
        await asyncio.sleep(0.2)
        assert not clicked.callbacks  # waiting for the lock, not refused
    finally:
        other.rollback()
        other.close()
    await harness.fake.settle(clicked)
    assert "ip:pick:" in str(clicked.payloads)
    again = await harness.click(post, button(post, "ip:ans:"), harness.carol)
    assert "ip:pick:" in str(again.payloads)  # the same open attempt, resumed
    result = await harness.click(again.last, button(again, "ip:pick:"), harness.carol)
    assert "Score" in result.text
    assert reviews(harness) == 1


async def test_practice_while_the_write_lock_is_held_asks_once_the_lock_is_free(
    harness: Harness,
) -> None:
    first = await harness.slash("practice", harness.bob, {"topic": "sql"})  # enrolled, asked
    person = harness.app.practice.find_person("discord", harness.bob["id"])
    assert person is not None
    skipped = await harness.click(first.last, button(first, "ip:skip:"), harness.bob)
    assert "Skipped" in skipped.text
    payload = harness.fake.slash_payload("practice", harness.bob, harness.guild, {"topic": "sql"})
    asked = await _sent_while_locked(harness, payload, harness.carol)
    assert "ip:skip:" in str(asked.payloads)  # the question's controls
    assert _open_attempts(harness, person) == 1  # asked once: the refused try left nothing


def _open_attempts(harness: Harness, person: int) -> int:
    with sqlite3.connect(_database(harness)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM attempts WHERE person_id = ? AND status = 'asked'", (person,)
        ).fetchone()
    return int(row[0])


async def test_an_open_answer_while_the_write_lock_is_held_is_graded_once_it_is_free(
    harness: Harness,
) -> None:
    await harness.setup_group()
    post = await post_of(harness, "open")
    opened = await harness.click(post, button(post, "ip:ans:"), harness.carol)
    assert opened.modal is not None
    payload = harness.fake.modal_payload(
        opened.modal["custom_id"],
        {"answer": "The first claim about concept."},
        harness.carol,
        harness.guild,
        harness.channel,
    )
    submitted = await _sent_while_locked(harness, payload, harness.bob)
    assert "Model answer" in submitted.text
    assert reviews(harness) == 1  # graded once: the refused try on the loop saved nothing
