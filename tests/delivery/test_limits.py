"""The rate limiter keeps to a platform's limits without wasting them."""

from __future__ import annotations

import asyncio
import itertools

from interviewprep.delivery.limits import RateLimiter
from interviewprep.delivery.messages import RateLimits


class FakeTime:
    """A monotonic clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best = start = 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_overall_rate_is_kept_and_nearly_used() -> None:
    clock = FakeTime()
    limiter = RateLimiter(RateLimits(per_second=30, per_chat_interval=1), clock, clock.sleep)
    sent: list[float] = []

    async def worker(chats: list[str]) -> None:
        for chat in chats:
            await limiter.acquire(chat)
            sent.append(clock())

    chats = [str(i) for i in range(300)]
    await asyncio.gather(*(worker(chats[i::8]) for i in range(8)))
    assert len(sent) == 300
    assert max_in_window(sent) <= 30
    assert 300 / max(sent) >= 0.95 * 30  # 300 sends take about 10 s, not more


async def test_one_chat_gets_at_most_one_message_per_interval() -> None:
    clock = FakeTime()
    limiter = RateLimiter(RateLimits(per_second=30, per_chat_interval=1), clock, clock.sleep)
    sent = []
    for _ in range(5):
        await limiter.acquire("same")
        sent.append(clock())
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert all(gap >= 1.0 for gap in gaps)


async def test_pause_holds_every_chat_until_retry_after() -> None:
    clock = FakeTime()
    limiter = RateLimiter(RateLimits(per_second=30, per_chat_interval=0), clock, clock.sleep)
    await limiter.acquire("a")
    limiter.pause(7)
    await limiter.acquire("b")
    assert clock() >= 7
