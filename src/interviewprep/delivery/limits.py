"""Pacing sends to a platform's limits: messages per second overall, and per chat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from interviewprep.delivery.messages import RateLimits

# Sends are spaced a hair wider than the limit: timer jitter must never push two sends
# into the same slot, and 1% costs little of the limit.
_MARGIN = 1.01
_PRUNE_AT = 10_000


class RateLimiter:
    """Reserve send slots; ``await acquire(chat)`` returns when a send is allowed.

    Slots are reserved in order of arrival and never bunch up: after an idle spell the
    next send starts the schedule again rather than spending a backlog of slots at once.
    A 429 pauses the whole platform (:meth:`pause`), as Telegram and Discord expect.
    """

    def __init__(
        self,
        limits: RateLimits,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = _MARGIN / limits.per_second if limits.per_second > 0 else 0.0
        self.per_chat = limits.per_chat_interval * _MARGIN
        self._now = monotonic
        self._sleep = sleep
        self._next = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[str, float] = {}

    async def acquire(self, chat_id: str) -> None:
        """Wait for the next slot this chat may use, and take it."""
        while True:
            now = self._now()
            ready = max(self._next, self._chat_next.get(chat_id, 0.0), self._paused_until)
            if ready <= now:
                self._next = max(now, self._next) + self.interval
                self._chat_next[chat_id] = now + self.per_chat
                if len(self._chat_next) > _PRUNE_AT:
                    self._prune(now)
                return
            await self._sleep(ready - now)

    def pause(self, seconds: float) -> None:
        """Stop all sends for ``seconds`` (the platform's retry-after)."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    def _prune(self, now: float) -> None:
        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
