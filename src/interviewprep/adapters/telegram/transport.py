"""Bot API calls over aiohttp: a :class:`telegram.request.BaseRequest` on one session.

PTB's default HTTP layer is httpx + httpcore: pure Python from the socket up (h11 parses
every response, anyio wraps every socket operation, httpx builds a request and response
model around each call). Measured on loopback (``bench/telegram_transport_cpu.py``), a
sendMessage-sized call cost this process 2.1-2.5 ms of CPU through the httpx lanes,
against 0.55-0.71 ms through aiohttp, whose HTTP parser and writer are C extensions; the
bot makes one to two such calls per update. :class:`AiohttpRequest` keeps PTB's
contract: its four timeouts (per-call overrides included, such as getUpdates' long-poll
read timeout), ``TimedOut`` and ``NetworkError``, multipart uploads for calls with
files, and the token (part of every URL) out of every exception it raises.

aiohttp does not take the proxy settings httpx does (``ALL_PROXY``, SOCKS); when the
environment names a proxy, :func:`bot_request` and :func:`updates_request` fall back to
the httpx-based requests (:mod:`~interviewprep.adapters.telegram.lanes`).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import uuid
from typing import Any
from urllib.parse import quote
from urllib.request import getproxies

import aiohttp
import httpx
from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import Payload
from telegram._utils.defaultvalue import DefaultValue  # what PTB's own requests check
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from interviewprep.adapters.telegram.lanes import Lanes

# bodies are written in pieces of this size, each within the write timeout; a smaller
# body goes into the socket's buffer at once and cannot wait (aiohttp's writer drains
# only past 64 KiB)
WRITE_CHUNK = 64 * 1024
_JSON = {"Content-Type": "application/json"}
_SSL: list[ssl.SSLContext] = []


def default_ssl_context() -> ssl.SSLContext:
    """The TLS context every request of this process shares: httpx's (certifi's CA
    bundle, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``), the roots the bot trusted before.

    Made once: loading the CA bundle takes ~50 ms and ~1.5 MB per context.
    """
    if not _SSL:
        _SSL.append(httpx.create_ssl_context())
    return _SSL[0]


def proxy_configured() -> bool:
    """Whether the environment names a proxy (``HTTPS_PROXY``, ``HTTP_PROXY``,
    ``ALL_PROXY``, any case) that httpx would use for the Bot API."""
    return any(key in {"http", "https", "all"} for key in getproxies())


def bot_request(connections: int) -> BaseRequest:
    """The request for Bot API calls: at most ``connections`` at once, the others
    waiting in order for one to finish (the lanes' behaviour; no pool timeout)."""
    if proxy_configured():
        return Lanes(connections)
    return AiohttpRequest(connections, pool_timeout=None)


def updates_request() -> BaseRequest:
    """The request for getUpdates (one long poll at a time, as PTB's default)."""
    if proxy_configured():
        return HTTPXRequest(connection_pool_size=1)
    return AiohttpRequest(1)


class AiohttpRequest(BaseRequest):
    """A :class:`BaseRequest` on an ``aiohttp.ClientSession``.

    Calls without files go as one JSON body, calls with files as a multipart form.
    Timeouts follow PTB's meaning (defaults as PTB's ``HTTPXRequest``): ``pool`` is the
    wait for one of ``connection_pool_size`` connections, ``connect`` opening one
    (DNS, TCP, TLS), ``read`` each wait for the response's bytes, ``write`` each wait to
    hand a piece of the body to the socket (``media_write_timeout`` for uploads). Any
    of them elapsing raises :class:`~telegram.error.TimedOut`, other failures
    :class:`~telegram.error.NetworkError`; neither carries the URL's token.

    Args:
        connection_pool_size: connections open at once (the rest wait, ``pool_timeout``).
        read_timeout: seconds; None waits for ever (as do the others).
        write_timeout: seconds, for calls without files.
        connect_timeout: seconds.
        pool_timeout: seconds.
        media_write_timeout: seconds, the write timeout of calls with files.
        ssl_context: TLS settings; default :func:`default_ssl_context`.
    """

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("at least one connection")
        self._size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._ssl = ssl_context
        self._slots = asyncio.Semaphore(connection_pool_size)
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, float | None], aiohttp.ClientTimeout] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (getUpdates adds its long-poll time to it)."""
        return self._read

    async def initialize(self) -> None:
        """Open the session (connections are made as calls need them)."""
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(
            limit=0,  # the semaphore limits connections, with PTB's pool timeout
            ssl=self._ssl if self._ssl is not None else default_ssl_context(),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
            headers={"User-Agent": self.USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=None),
        )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

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
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write if files else self._write
        body: bytes | TimedBody | None = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            if files:
                boundary = uuid.uuid4().hex
                content = multipart(request_data, boundary)
                headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
            else:
                content = json.dumps(request_data.parameters, ensure_ascii=False).encode()
                headers = _JSON
            body = content
            if len(content) > WRITE_CHUNK:
                body = TimedBody(content, headers["Content-Type"], write_timeout)
        timeout = self._timeout(
            self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout,
            self._read if isinstance(read_timeout, DefaultValue) else read_timeout,
        )
        slots = self._slots
        if slots.locked():  # every connection busy: wait in order, at most the pool timeout
            if isinstance(pool_timeout, DefaultValue):
                pool_timeout = self._pool
            try:
                async with asyncio.timeout(pool_timeout):
                    await slots.acquire()
            except TimeoutError:
                raise TimedOut("Pool timeout: the request was not sent to Telegram.") from None
        else:
            await slots.acquire()  # returns at once
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's connect and read timeouts, TimedBody's
            raise TimedOut(_describe(exc, url)) from None
        except Exception as exc:  # aiohttp.ClientError, OSError, an invalid URL...
            raise NetworkError(_describe(exc, url)) from None
        finally:
            slots.release()

    def _timeout(self, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
        key = (connect, read)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = aiohttp.ClientTimeout(total=None, connect=connect, sock_read=read)
            if len(self._timeouts) < 64:  # a handful of distinct pairs in practice
                self._timeouts[key] = timeout
        return timeout


class TimedBody(Payload):
    """A request body written in :data:`WRITE_CHUNK` pieces, each handed to the socket
    within ``timeout`` seconds (aiohttp has no write timeout of its own)."""

    _autoclose = True  # bytes in memory: nothing to close

    def __init__(self, value: bytes, content_type: str, timeout: float | None) -> None:
        super().__init__(value, content_type=content_type)
        self._value: bytes = value
        self._size = len(value)
        self.timeout = timeout

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """The body as text."""
        return self._value.decode(encoding, errors)

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        """The body."""
        return self._value

    async def write(self, writer: AbstractStreamWriter) -> None:
        """Write the whole body."""
        await self.write_with_length(writer, None)

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        """Write the body (at most ``content_length`` bytes), piece by piece."""
        value = memoryview(self._value)
        if content_length is not None:
            value = value[:content_length]
        for start in range(0, len(value), WRITE_CHUNK):
            async with asyncio.timeout(self.timeout):
                await writer.write(value[start : start + WRITE_CHUNK])


def multipart(request_data: RequestData, boundary: str) -> bytes:
    """``multipart/form-data`` of a call with files: every parameter as a text part
    (strings raw, the rest JSON, as PTB sends them), every file as a file part."""
    dash = b"--" + boundary.encode()
    parts: list[bytes] = []
    for name, value in request_data.json_parameters.items():
        parts += [
            dash,
            b'\r\nContent-Disposition: form-data; name="' + _quoted(name) + b'"\r\n\r\n',
            value.encode(),
            b"\r\n",
        ]
    for name, upload in request_data.multipart_data.items():
        filename, content, mimetype = _upload(upload)
        if not isinstance(content, bytes):
            content = content.read()
        disposition = b'form-data; name="' + _quoted(name) + b'"'
        if filename:
            disposition += b'; filename="' + _quoted(filename) + b'"'
        parts += [
            dash,
            b"\r\nContent-Disposition: " + disposition,
            b"\r\nContent-Type: " + (mimetype or "application/octet-stream").encode(),
            b"\r\n\r\n",
            content,
            b"\r\n",
        ]
    parts += [dash, b"--\r\n"]
    return b"".join(parts)


def _upload(upload: Any) -> tuple[str | None, Any, str | None]:
    """PTB's ``(filename, content, mimetype)`` (the mimetype is optional)."""
    if isinstance(upload, tuple):
        filename = upload[0]
        content = upload[1]
        mimetype = upload[2] if len(upload) > 2 else None
        return filename, content, mimetype
    return None, upload, None


def _quoted(text: str) -> bytes:
    """A name or filename inside a quoted header parameter (HTML5's escaping, as httpx
    and browsers do: a quote or line break cannot end the header)."""
    return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A").encode()


def _describe(exc: BaseException, url: str) -> str:
    """``aiohttp.ClassName: message`` with the URL's token (and path) taken out.

    aiohttp puts the request URL in many of its messages (``Connection timeout to host
    https://.../bot<TOKEN>/getUpdates``); the token is a path segment ``bot<TOKEN>``.
    """
    name = type(exc).__name__
    module = type(exc).__module__.split(".")[0]
    if module != "builtins":
        name = f"{module}.{name}"
    return redact(f"{name}: {exc}" if str(exc) else name, url)


def redact(text: str, url: str) -> str:
    """``text`` without the token in ``url`` (in any of the forms a library may print).

    The token is the path segment after ``bot`` (``/bot<TOKEN>/method``,
    ``/file/bot<TOKEN>/path``); a URL without one loses its whole path. The URL is
    split by hand: it may be one a URL parser refuses.
    """
    _scheme, sep, rest = url.partition("://")
    path = rest.partition("/")[2] if sep else url
    secrets = [seg[3:] for seg in path.split("/") if seg.startswith("bot") and len(seg) > 3]
    if not secrets and path.strip("/"):
        secrets = ["/" + path]
    for secret in secrets:
        for form in {secret, quote(secret), quote(secret, safe="")}:
            text = text.replace(form, "<token>")
    return text
