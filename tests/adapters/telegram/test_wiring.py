"""Wiring details: per-chat ordering, token redaction, Bot API roots, settings."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from interviewprep.adapters.telegram.application import api_roots
from interviewprep.adapters.telegram.bot import Redaction
from interviewprep.adapters.telegram.ordering import PerChatUpdateProcessor
from interviewprep.config import ConfigError, load_settings
from tests.adapters.telegram import fake_api


async def test_one_chat_in_order_other_chats_concurrently() -> None:
    processor = PerChatUpdateProcessor(8)
    events: list[str] = []
    release = asyncio.Event()

    async def work(name: str, wait: bool) -> None:
        events.append(f"start {name}")
        if wait:
            await release.wait()
        events.append(f"end {name}")

    def update(update_id: int, chat: int) -> Update:
        who = fake_api.user(chat)
        return Update.de_json(fake_api.message_update(update_id, who, "x"), None)

    first = asyncio.create_task(processor.process_update(update(1, 10), work("a1", True)))
    second = asyncio.create_task(processor.process_update(update(2, 10), work("a2", False)))
    other = asyncio.create_task(processor.process_update(update(3, 20), work("b1", False)))
    await asyncio.wait_for(other, 2)
    assert events == ["start a1", "start b1", "end b1"]  # b is not held up by a
    release.set()
    await asyncio.gather(first, second)
    assert events[3:] == ["end a1", "start a2", "end a2"]  # a2 waited for a1
    assert processor._locks == {}


def test_token_is_redacted_in_messages_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    token = fake_api.TOKEN
    log = logging.getLogger("httpx")
    redaction = Redaction(token)
    try:
        logging.getLogger("interviewprep.test").warning("POST https://x/bot%s/getMe", token)
        try:
            raise RuntimeError(f"failed https://x/bot{token}/sendMessage")
        except RuntimeError:
            logging.getLogger("telegram.ext").exception("request failed")
        log.warning("HTTP Request: POST https://x/bot%s/getUpdates", token)
    finally:
        redaction.remove()
    assert token not in caplog.text
    assert "bot<token>/getMe" in caplog.text
    assert "bot<token>/sendMessage" in caplog.text


def test_api_roots_for_a_self_hosted_server() -> None:
    assert api_roots(None) is None
    expected = ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")
    assert api_roots("http://127.0.0.1:8081") == expected
    assert api_roots("http://127.0.0.1:8081/") == expected
    assert api_roots("http://127.0.0.1:8081/bot") == expected


def test_webhook_settings_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="INTERVIEWPREP_TELEGRAM_WEBHOOK_SECRET: required"):
        load_settings(telegram_webhook_url="https://bot.example.org/hook")
    with pytest.raises(ConfigError, match="INTERVIEWPREP_TELEGRAM_WEBHOOK_SECRET: use 16-256"):
        load_settings(telegram_webhook_url="https://b.example/h", telegram_webhook_secret="x y")
    with pytest.raises(ConfigError, match="INTERVIEWPREP_TELEGRAM_WEBHOOK_URL"):
        load_settings(telegram_webhook_url="ftp://b.example/h")
    with pytest.raises(ConfigError, match="INTERVIEWPREP_TELEGRAM_WEBHOOK_PORT"):
        load_settings(telegram_webhook_port=70000)
    settings = load_settings(
        telegram_webhook_url="https://b.example/h", telegram_webhook_secret="a" * 20
    )
    assert "a" * 20 not in repr(settings)


def test_memory_is_bounded() -> None:
    from interviewprep.adapters.telegram.memory import Lru, Memory

    lru: Lru[int, int] = Lru(3)
    for i in range(5):
        lru.put(i, i * 10)
    assert len(lru) == 3
    assert lru.get(0) is None
    assert lru.get(2) == 20
    lru.put(5, 50)  # 3 is now the oldest (2 was just used)
    assert lru.get(3) is None
    assert lru.get(2) == 20
    memory = Memory()
    memory.asked(person=7, attempt=70, user=700)
    assert memory.persons.get(700) == 7
    assert memory.open.get(7) == 70
    memory.forget_user(700)
    assert memory.persons.get(700) is None
    assert memory.open.get(7) is None


async def test_lanes_give_every_call_a_connection_of_its_own() -> None:
    """Many calls at once: each runs alone on a lane, the rest wait their turn in order."""
    from aiohttp import web

    from interviewprep.adapters.telegram.lanes import Lanes

    in_flight = {"now": 0, "most": 0}
    peers: set[tuple[str, int]] = set()

    async def handle(request: web.Request) -> web.Response:
        in_flight["now"] += 1
        in_flight["most"] = max(in_flight["most"], in_flight["now"])
        peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        await asyncio.sleep(0.01)
        in_flight["now"] -= 1
        return web.json_response({"ok": True, "result": request.match_info["n"]})

    server = web.Application()
    server.router.add_post("/call/{n}", handle)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    lanes = Lanes(3)
    await lanes.initialize()
    try:
        results = await asyncio.gather(
            *(lanes.post(f"http://127.0.0.1:{port}/call/{n}") for n in range(20))
        )
    finally:
        await lanes.shutdown()
        await runner.cleanup()
    assert results == [str(n) for n in range(20)]
    assert in_flight["most"] == 3  # never more calls than lanes
    assert len(peers) == 3  # one kept-alive connection per lane


async def test_lanes_send_calls_as_json_and_files_as_forms() -> None:
    """The Bot API sees the same parameters either way: text and keyboards as one JSON
    body (no per-byte form quoting), a document as a multipart form."""
    from aiohttp import web
    from telegram import InputFile
    from telegram.request import RequestData
    from telegram.request._requestparameter import RequestParameter

    from interviewprep.adapters.telegram.keyboard import Keyboard
    from interviewprep.adapters.telegram.lanes import Lanes

    seen: list[tuple[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        if request.content_type == "application/json":
            seen.append(("json", await request.json()))
        else:
            form = await request.post()
            seen.append((request.content_type, {k: str(v)[:40] for k, v in form.items()}))
        return web.json_response({"ok": True, "result": True})

    server = web.Application()
    server.router.add_post("/bot/{method}", handle)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    lanes = Lanes(2)
    await lanes.initialize()
    keyboard = Keyboard([[("Again", "ip:r:1:1"), ("Good", "ip:r:1:3")]])
    text = "✅ <b>Score 100%</b> & <i>more</i>\n" * 3
    message = RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("text", text),
            RequestParameter.from_input("reply_markup", keyboard),
        ]
    )
    document = RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("document", InputFile(b"{}", filename="x.json")),
        ]
    )
    try:
        await lanes.post(f"http://127.0.0.1:{port}/bot/sendMessage", message)
        await lanes.post(f"http://127.0.0.1:{port}/bot/sendDocument", document)
    finally:
        await lanes.shutdown()
        await runner.cleanup()
    assert seen[0] == (
        "json",
        {"chat_id": 42, "text": text, "reply_markup": keyboard.to_dict()},
    )
    assert seen[1][0] == "multipart/form-data"
    assert seen[1][1]["chat_id"] == "42"
