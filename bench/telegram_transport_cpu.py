"""CPU per Bot API call of each HTTP transport, on loopback (process time, not wall).

    python bench/telegram_transport_cpu.py [--calls 3000] [--rounds 3] [--text 600]

A sendMessage-sized call (``--text`` characters of HTML and four inline buttons, as a
result with its rating keyboard) is POSTed to a fake Bot API (aiohttp, a separate
process on 127.0.0.1, answering with the message as Telegram does), sequentially and
from 8 tasks at once, through each transport:

* ``ptb``: PTB's default :class:`telegram.request.HTTPXRequest` (a form body);
* ``jsonlane``: the adapter's :class:`~interviewprep.adapters.telegram.lanes.JsonLane`
  (one JSON body, httpx); ``lanes``: the adapter's :class:`Lanes` of 16 of them;
* ``aiohttp``: the adapter's :class:`~interviewprep.adapters.telegram.transport.AiohttpRequest`
  (a :class:`telegram.request.BaseRequest` on one ``aiohttp.ClientSession``);
* ``httpcore``: httpcore's connection pool driven directly (httpx's client layer
  skipped), for where httpx's own cost lies;
* ``raw``: a minimal keep-alive HTTP/1.1 client on asyncio streams, the floor.

Two levels: ``post`` is :meth:`BaseRequest.post` (PTB's request layer: status handling
and JSON parsing of the reply, plus the transport), ``bot`` is ``Bot.send_message`` (the
whole call as a handler makes it, building the Message). Reported: microseconds of this
process's CPU per call, the minimum over ``--rounds`` rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpcore
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup  # noqa: E402
from telegram.constants import ParseMode  # noqa: E402
from telegram.request import BaseRequest, HTTPXRequest, RequestData  # noqa: E402
from telegram.request._requestparameter import RequestParameter  # noqa: E402

from common import serve_on_loopback  # noqa: E402
from interviewprep.adapters.telegram.lanes import JsonLane, Lanes  # noqa: E402
from interviewprep.adapters.telegram.transport import AiohttpRequest  # noqa: E402

TOKEN = "123456:BENCH-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}


def serve_fake(port_pipe: Any) -> None:
    """Answer every call with a message carrying the text and keyboard that were sent."""
    ids = iter(range(10_000, 10**9))

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            form: Any = await request.json()
        else:
            form = dict(await request.post())
        if method == "getMe":
            return web.json_response({"ok": True, "result": BOT})
        markup = form.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        result = {
            "message_id": next(ids),
            "date": 1_772_870_400,
            "chat": {"id": int(form.get("chat_id") or 1), "type": "private"},
            "from": BOT,
            "text": form.get("text", ""),
            "reply_markup": markup,
        }
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", api)
    serve_on_loopback(app, port_pipe)


class HttpcoreRequest(BaseRequest):
    """httpcore's pool without httpx's client: a JSON body, no timeouts mapped (a probe)."""

    def __init__(self) -> None:
        self._pool = httpcore.AsyncConnectionPool(max_connections=16)

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        await self._pool.aclose()

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
        body = json.dumps(request_data.parameters if request_data else {}).encode()
        response = await self._pool.request(
            method,
            url,
            headers=[(b"Content-Type", b"application/json")],
            content=body,
            extensions={"timeout": {"read": 5.0, "write": 5.0, "connect": 5.0, "pool": 1.0}},
        )
        return response.status, response.content


class RawRequest(BaseRequest):
    """A minimal keep-alive HTTP/1.1 client (Content-Length replies only): the floor."""

    def __init__(self, size: int = 16) -> None:
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._size = size

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()

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
        rest = url.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        if self._idle:
            reader, writer = self._idle.pop()
        else:
            reader, writer = await asyncio.open_connection(host, int(port))
        body = json.dumps(request_data.parameters if request_data else {}).encode()
        writer.write(
            f"{method} /{path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json"
            f"\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        payload = await reader.readexactly(length)
        self._idle.append((reader, writer))
        return status, payload


def transports() -> dict[str, Callable[[], BaseRequest]]:
    """Each transport under test, by name (a factory: a fresh one per measurement)."""
    made: dict[str, Callable[[], BaseRequest]] = {
        "ptb": HTTPXRequest,
        "jsonlane": JsonLane,
        "lanes": lambda: Lanes(16),
        "httpcore": HttpcoreRequest,
        "raw": RawRequest,
        "aiohttp": AiohttpRequest,
    }
    return made


async def measure(
    make: Callable[[], BaseRequest], base: str, level: str, calls: int, tasks: int, text: str
) -> float:
    """Microseconds of process CPU per call."""
    request = make()
    bot = Bot(TOKEN, base_url=f"{base}/bot", request=request, get_updates_request=HTTPXRequest())
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"{n} label", callback_data=f"ip:r:12345:{n}") for n in range(4)]]
    )
    url = f"{base}/bot{TOKEN}/sendMessage"
    params = {"chat_id": 42, "text": text, "parse_mode": "HTML", "reply_markup": markup}

    async def one_post() -> Any:
        # as Bot._post builds them
        data = RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])
        return await request.post(url, request_data=data)

    async def one_bot() -> Any:
        return await bot.send_message(42, text, parse_mode=ParseMode.HTML, reply_markup=markup)

    one: Callable[[], Awaitable[Any]] = one_post if level == "post" else one_bot

    async def worker(count: int) -> None:
        for _ in range(count):
            await one()

    async with bot:
        for _ in range(100):  # warm: connections open, caches filled
            await one()
        await asyncio.gather(*(worker(10) for _ in range(tasks)))
        started = time.process_time()
        await asyncio.gather(*(worker(calls // tasks) for _ in range(tasks)))
        spent = time.process_time() - started
    return spent / (calls // tasks * tasks) * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--text", type=int, default=600, help="characters in the message")
    parser.add_argument("--only", nargs="*", help="transport names to run")
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_fake, args=(child,), daemon=True
    )
    server.start()
    base = f"http://127.0.0.1:{parent.recv()}"
    text = ("<b>Right.</b> " + "The model answer, explained at some length. " * 40)[: args.text]
    made = transports()
    names = args.only or list(made)
    results: dict[str, dict[str, float]] = {}
    for level in ("post", "bot"):
        for tasks in (1, 8):
            column = f"{level} x{tasks}"
            for name in names:
                best = min(
                    [
                        await measure(made[name], base, level, args.calls, tasks, text)
                        for _ in range(args.rounds)
                    ]
                )
                results.setdefault(name, {})[column] = best
                print(f"{column:>8} {name:>9}: {best:6.0f} us/call", flush=True)
    columns = [f"{level} x{tasks}" for level in ("post", "bot") for tasks in (1, 8)]
    print("\n| transport | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name in names:
        row = " | ".join(f"{results[name][c]:.0f}" for c in columns)
        print(f"| {name} | {row} |")
    server.kill()


if __name__ == "__main__":
    asyncio.run(main())
