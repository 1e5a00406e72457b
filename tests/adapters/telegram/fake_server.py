"""The fake Bot API over HTTP (aiohttp on 127.0.0.1, a random port), for the real
Updater to long-poll: ``http://127.0.0.1:PORT/bot<token>/<method>``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.adapters.telegram.fake_api import FakeBotApi, Sent


class FakeBotApiServer:
    """Serves a :class:`FakeBotApi`; updates pushed by the test are long-polled."""

    def __init__(self, api: FakeBotApi | None = None, token: str | None = None) -> None:
        self.api = api or FakeBotApi()
        self.token = token
        self.arrived = asyncio.Event()  # new updates for getUpdates
        self.changed = asyncio.Event()  # the bot called something
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.requests = 0
        self.webhook: dict[str, Any] | None = None
        self.closing = False
        self.polls = 0  # getUpdates requests received (long polls count when they start)

    @property
    def url(self) -> str:
        """The base URL for ``INTERVIEWPREP_TELEGRAM_BASE_URL``."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on a random loopback port."""
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        assert sockets
        self.port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening (pending long polls return at once)."""
        self.closing = True
        self.arrived.set()
        if self.runner is not None:
            await self.runner.cleanup()

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for the bot's next getUpdates."""
        self.api.updates.append(update)
        self.arrived.set()

    async def wait_for(
        self, predicate: Callable[[], Any], within: float = 30.0, what: str = ""
    ) -> Any:
        """Wait until ``predicate()`` is truthy (checked after every call the bot makes)."""
        deadline = time.monotonic() + within
        while True:
            value = predicate()
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what or predicate}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 0.2))

    async def wait_message(
        self, chat_id: int, after: int, contains: str = "", within: float = 30
    ) -> Sent:
        """The first message in ``chat_id`` newer than id ``after`` (containing ``contains``)."""

        def found() -> Sent | None:
            for message in self.api.in_chat(chat_id):
                if message.message_id > after and contains in message.text:
                    return message
            return None

        result: Sent = await self.wait_for(found, within, f"a message with {contains!r}")
        return result

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        method = request.match_info["method"]
        if self.token is not None and request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params = dict(await request.json())
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                    params.setdefault("filename", value.filename)
                else:
                    params[key] = value
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                files[key] = files.get(value.removeprefix("attach://"), b"")
        if method == "getUpdates":
            self.polls += 1
            self.changed.set()
            await self._long_poll(params)
        if method == "setWebhook":
            self.webhook = params
            self.changed.set()
            return web.json_response({"ok": True, "result": True})
        status, body = self.api.handle(method, params, files)
        self.changed.set()
        return web.json_response(body, status=status)

    async def _long_poll(self, params: dict[str, Any]) -> None:
        offset = int(params.get("offset") or 0)
        if any(u["update_id"] >= offset for u in self.api.updates):
            return
        timeout = float(params.get("timeout") or 0)
        if self.closing:
            return
        self.arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.arrived.wait(), timeout)
