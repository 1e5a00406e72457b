"""The aiohttp Bot API transport: PTB's timeouts and errors, uploads, TLS, the token kept
out of errors and logs, and the httpx fallback behind a proxy."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import ssl
import subprocess
import time
import traceback
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from interviewprep.adapters.telegram.lanes import Lanes
from interviewprep.adapters.telegram.transport import (
    AiohttpRequest,
    bot_request,
    redact,
    updates_request,
)
from tests.adapters.telegram import fake_api

TOKEN = fake_api.TOKEN
ME = {"id": 7000, "is_bot": True, "first_name": "Prep", "username": "prep_bot"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def serve(handler: Handler, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """A local server answering ``/bot<token>/<method>`` with ``handler`` (getMe, which a
    Bot calls first, with the bot's account)."""

    async def route(request: web.Request) -> web.StreamResponse:
        if request.match_info["method"] == "getMe":
            return web.json_response({"ok": True, "result": ME})
        return await handler(request)

    server = web.Application(client_max_size=20 * 1024 * 1024)
    server.router.add_route("*", "/bot{token}/{method}", route)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    scheme = "https" if ssl_context else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def slow_api() -> AsyncIterator[str]:
    """getMe answers at once; sendMessage after ``delay`` seconds (from the JSON body)."""

    async def handle(request: web.Request) -> web.Response:
        if request.match_info["method"] == "sendMessage":
            body = await request.json()
            await asyncio.sleep(float(body.get("delay", 0)))
            return web.json_response({"ok": True, "result": _message(body["text"])})
        return web.json_response({"ok": True, "result": ME})

    async for url in serve(handle):
        yield url


def _message(text: str) -> dict[str, Any]:
    return {
        "message_id": 1,
        "date": 1,
        "chat": {"id": 42, "type": "private"},
        "from": ME,
        "text": text,
    }


def _bot(base: str, request: AiohttpRequest) -> Bot:
    return Bot(TOKEN, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot", request=request)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _leaks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log lines with the token, but for PTB's own start-up lines naming the API URL
    (which ``serve()``'s redaction filter rewrites; they come from no request)."""
    formatter = logging.Formatter()
    lines = []
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info:
            text += formatter.formatException(record.exc_info)
        if TOKEN in text and not text.startswith("Set Bot API"):
            lines.append(text)
    return lines


def _clean(error: BaseException) -> None:
    """Neither the message nor the traceback (with its causes) shows the token."""
    text = "".join(traceback.format_exception(error))
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text


async def test_a_slow_answer_times_out_and_a_longer_read_timeout_waits(slow_api: str) -> None:
    """The read timeout maps to TimedOut; a per-call read timeout (as getUpdates' long
    poll passes) overrides the default."""
    request = AiohttpRequest(read_timeout=0.2)
    async with _bot(slow_api, request) as bot:
        with pytest.raises(TimedOut) as timed_out:
            await bot.send_message(42, "late", api_kwargs={"delay": 0.6})
        message = await bot.send_message(42, "waited", read_timeout=2, api_kwargs={"delay": 0.6})
        assert message.text == "waited"
        # the connection is usable again after a timeout
        assert (await bot.send_message(42, "again")).text == "again"
    _clean(timed_out.value)


async def test_a_refused_connection_is_a_network_error_without_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    base = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(NetworkError) as refused:
        async with _bot(base, AiohttpRequest()):  # getMe first
            pass
    assert not isinstance(refused.value, TimedOut)
    assert "Cannot connect to host 127.0.0.1" in str(refused.value)  # says where it failed
    _clean(refused.value)
    assert not _leaks(caplog)


async def test_pool_timeout_when_every_connection_is_busy(slow_api: str) -> None:
    request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.1)
    async with _bot(slow_api, request) as bot:
        first = asyncio.create_task(bot.send_message(42, "slow", api_kwargs={"delay": 0.5}))
        await asyncio.sleep(0.05)
        with pytest.raises(TimedOut, match="Pool timeout"):
            await bot.send_message(42, "second")
        assert (await first).text == "slow"
        # without a pool timeout a call waits for the connection
        waiting = AiohttpRequest(connection_pool_size=1, pool_timeout=None)
        async with _bot(slow_api, waiting) as patient:
            texts = await asyncio.gather(
                *(patient.send_message(42, f"m{n}", api_kwargs={"delay": 0.05}) for n in range(4))
            )
        assert [m.text for m in texts] == ["m0", "m1", "m2", "m3"]


@pytest.mark.parametrize("size", [200, 300_000])
async def test_a_document_reaches_the_server_as_a_multipart_upload(size: int) -> None:
    """sendDocument (/export) with a small and a large file (written in pieces)."""
    received: dict[str, Any] = {}
    content = bytes(range(256)) * (size // 256) + b'{"end": true}'

    async def handle(request: web.Request) -> web.Response:
        received["content_type"] = request.content_type
        form = await request.post()
        document = form["document"]
        assert isinstance(document, web.FileField)
        received.update(
            chat_id=form["chat_id"],
            caption=form["caption"],
            filename=document.filename,
            bytes=document.file.read(),
        )
        result = {**_message(""), "document": {"file_id": "f", "file_unique_id": "u"}}
        return web.json_response({"ok": True, "result": result})

    async for base in serve(handle):
        async with _bot(base, AiohttpRequest()) as bot:
            await bot.send_document(
                42, content, filename="interviewprep-export «1».json", caption="Your data"
            )
    assert received == {
        "content_type": "multipart/form-data",
        "chat_id": "42",
        "caption": "Your data",
        "filename": "interviewprep-export «1».json",
        "bytes": content,
    }


async def test_an_upload_the_server_does_not_take_times_out() -> None:
    """The write timeout (per piece of the body) holds when the peer stops reading."""
    stalled: list[asyncio.StreamWriter] = []

    async def never_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stalled.append(writer)

    server = await asyncio.start_server(never_read, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    document = RequestData(
        [
            RequestParameter.from_input("chat_id", 42),
            RequestParameter.from_input("document", InputFile(b"x" * 48_000_000, filename="a")),
        ]
    )
    try:
        async with AiohttpRequest() as request:
            started = time.monotonic()
            with pytest.raises(TimedOut) as timed_out:
                await request.post(
                    f"http://127.0.0.1:{port}/bot{TOKEN}/sendDocument",
                    document,
                    write_timeout=0.3,
                    read_timeout=30,
                )
            assert time.monotonic() - started < 10
    finally:
        for writer in stalled:
            writer.close()
        server.close()
        await server.wait_closed()
    _clean(timed_out.value)


async def test_calls_without_files_go_as_one_json_body(slow_api: str) -> None:
    seen: list[Any] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append((request.content_type, await request.json()))
        return web.json_response({"ok": True, "result": _message("x")})

    async for base in serve(handle):
        async with _bot(base, AiohttpRequest()) as bot:
            await bot.send_message(42, "✅ <b>done</b> & more", parse_mode="HTML")
    assert seen == [
        ("application/json", {"chat_id": 42, "text": "✅ <b>done</b> & more", "parse_mode": "HTML"})
    ]


async def test_errors_never_carry_the_token(caplog: pytest.LogCaptureFixture) -> None:
    """aiohttp puts the URL in many messages: none of them reaches an exception or a log."""
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    # connecting times out: a listening socket that never accepts (backlog full)
    quiet = socket.socket()
    quiet.bind(("127.0.0.1", 0))
    quiet.listen(0)
    port = quiet.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        request = AiohttpRequest(connect_timeout=0.2, read_timeout=0.3)
        with pytest.raises(TimedOut) as stalled:
            async with _bot(f"http://127.0.0.1:{port}", request):  # getMe first
                pass
        errors.append(stalled.value)
    finally:
        for filler in fillers:
            filler.close()
        quiet.close()
    # a URL aiohttp refuses, with the token in it
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as invalid:
            await request.post(f"http://127.0.0.1:0:1/bot{TOKEN}/getMe")
        errors.append(invalid.value)
    for error in errors:
        _clean(error)
    assert not _leaks(caplog)


def test_redact_takes_the_token_out_of_every_form_of_the_url() -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    text = f"failed {url}; path /bot{TOKEN}/sendMessage; quoted {TOKEN.replace(':', '%3A')}"
    cleaned = redact(text, url)
    assert TOKEN not in cleaned
    assert "%3A" + TOKEN.split(":")[1] not in cleaned
    assert "https://api.telegram.org/bot<token>/sendMessage" in cleaned
    file_url = f"https://api.telegram.org/file/bot{TOKEN}/documents/file_1.json"
    assert TOKEN not in redact(f"GET {file_url}", file_url)
    host = "https://bot.example.org/other/path"
    assert redact(f"x {host}", host) == "x https://bot.example.org<token>"


async def test_https_verifies_the_certificate(tmp_path: Path) -> None:
    """TLS with the default context refuses a certificate no CA signed; a context that
    trusts it gets through (the same code path as api.telegram.org)."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    made = await asyncio.to_thread(
        subprocess.run,
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True,
        check=False,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"openssl could not make a certificate: {made.stderr[-200:]!r}")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)

    async def handle(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": ME})

    async for base in serve(handle, server_context):
        with pytest.raises(NetworkError, match=r"(?i)certificate") as refused:
            async with _bot(base, AiohttpRequest()):  # getMe first
                pass
        _clean(refused.value)
        trusting = ssl.create_default_context(cafile=str(cert))
        async with _bot(base, AiohttpRequest(ssl_context=trusting)) as bot:
            assert (await bot.get_me()).username == "prep_bot"


async def test_initialize_and_shutdown_leave_nothing_open(slow_api: str) -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{slow_api}/bot{TOKEN}/getMe", "POST")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):  # initialize again after a shutdown, as PTB may
            async with _bot(slow_api, request) as bot:
                assert (await bot.get_me()).username == "prep_bot"
        await request.shutdown()  # a second shutdown is harmless
        gc.collect()
    assert not [w for w in caught if "Unclosed" in str(w.message)]


def test_a_proxy_in_the_environment_falls_back_to_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    assert isinstance(bot_request(4), AiohttpRequest)
    assert isinstance(updates_request(), AiohttpRequest)
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:3128")
    assert isinstance(bot_request(4), Lanes)
    assert isinstance(updates_request(), HTTPXRequest)
