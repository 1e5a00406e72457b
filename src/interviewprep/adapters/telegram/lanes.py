"""Bot API calls over httpx, on single-connection lanes: no request ever queues inside
httpcore. The bot's calls go over aiohttp (:mod:`.transport`); these lanes are its
fallback when the environment names a proxy (httpx honours every kind aiohttp does not).

PTB's default HTTP layer is one httpx client with a pool of up to 256 connections. When
several calls start at once (concurrent updates, a tap's three calls), httpcore 1.0
hands the same idle connection to each of them; all but one then fail with
``ConnectionNotAvailable`` and go round the pool again. Measured through the fake Bot
API with 8 updates at a time: 2.1 such retries per echo update, 4.5-9.6 per button tap
of the full bot, each a scan of every connection; the bot spent more CPU on them than
on grading and saving the answer.

:class:`Lanes` keeps several :class:`~telegram.request.HTTPXRequest` of one connection
each and gives every call a lane of its own, taken from a FIFO of idle lanes: a call
waits for a lane here (in order, without spinning) rather than inside httpcore.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from telegram._utils.defaultvalue import DefaultValue  # what PTB's own request checks
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

DEFAULT_LANES = 16


class JsonLane(HTTPXRequest):
    """An :class:`HTTPXRequest` that sends a call without files as one JSON body.

    PTB hands httpx the parameters as a form, which httpx encodes with urllib's quoting:
    a Python loop over every byte of the text, ~50 us for a 1,200-character result and
    more for a long one, while ``json.dumps`` takes ~7 us. The Bot API takes JSON bodies
    (``application/json``) for every method; calls with files go as multipart forms,
    through PTB's own code, as before. Errors map as PTB maps them (``TimedOut``,
    ``NetworkError``).
    """

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See :meth:`BaseRequest.do_request`."""
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        client = self._client  # PTB's httpx client (python-telegram-bot 22)
        if client.is_closed:
            raise RuntimeError("This HTTPXRequest is not initialized!")
        defaults = client.timeout
        timeout = httpx.Timeout(
            connect=defaults.connect if _default(connect_timeout) else connect_timeout,
            read=defaults.read if _default(read_timeout) else read_timeout,
            write=defaults.write if _default(write_timeout) else write_timeout,
            pool=defaults.pool if _default(pool_timeout) else pool_timeout,
        )
        body = json.dumps(request_data.parameters, ensure_ascii=False).encode("utf-8")
        try:
            response = await client.request(
                method=method,
                url=url,
                headers={"User-Agent": self.USER_AGENT, "Content-Type": "application/json"},
                timeout=timeout,
                content=body,
            )
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.PoolTimeout):
                raise TimedOut("Pool timeout: the request was not sent to Telegram.") from exc
            raise TimedOut from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"httpx.{exc.__class__.__name__}: {exc}") from exc
        return response.status_code, response.content


def _default(value: Any) -> bool:
    """Not given by the caller: the client's own timeout applies (as in PTB)."""
    return isinstance(value, DefaultValue)


class Lanes(BaseRequest):
    """A :class:`BaseRequest` over ``count`` one-connection :class:`HTTPXRequest` lanes."""

    def __init__(self, count: int = DEFAULT_LANES, **httpx_request: Any) -> None:
        if count < 1:
            raise ValueError("at least one lane")
        client = dict(httpx_request.pop("httpx_kwargs", None) or {})
        # one TLS context for every lane: each client would load the CA bundle again
        # (16 lanes: 15 MB of RSS with their own contexts, 3 MB sharing one)
        client.setdefault("verify", httpx.create_ssl_context())
        self._all = [
            JsonLane(connection_pool_size=1, httpx_kwargs=client, **httpx_request)
            for _ in range(count)
        ]
        self._idle: asyncio.Queue[JsonLane] = asyncio.Queue()
        for lane in self._all:
            self._idle.put_nowait(lane)

    @property
    def read_timeout(self) -> float | None:
        """The lanes' default read timeout."""
        return self._all[0].read_timeout

    async def initialize(self) -> None:
        """Open every lane's client."""
        for lane in self._all:
            await lane.initialize()

    async def shutdown(self) -> None:
        """Close every lane's client."""
        for lane in self._all:
            await lane.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one call on an idle lane (waiting, in order, for one to free up)."""
        lane = await self._idle.get()
        try:
            return await lane.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        finally:
            self._idle.put_nowait(lane)
